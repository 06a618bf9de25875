// The route list is matched in order: a route with a parameter must not come before a route whose
// literal path it would take (GET /exports/:id before GET /exports/sepa answered 400 for the list).
import { describe, expect, it } from 'vitest';
import { allRoutes } from '../api/features/index.ts';

const pattern = (path: string) => new RegExp(`^${path.replace(/:[A-Za-z]+/g, '[^/]+')}$`);

describe('route order', () => {
  it('no route is shadowed by an earlier one of the same method', () => {
    const shadowed: string[] = [];
    allRoutes.forEach((r, j) => {
      for (const earlier of allRoutes.slice(0, j))
        if (earlier.method === r.method && earlier.path !== r.path && pattern(earlier.path).test(r.path.replace(/:[A-Za-z]+/g, 'x')) && !r.path.includes(':'))
          shadowed.push(`${r.method.toUpperCase()} ${r.path} is taken by ${earlier.path}`);
    });
    expect(shadowed).toEqual([]);
  });

  it('positive control: the check sees a shadowed route', () => {
    expect(pattern('/exports/:id').test('/exports/sepa')).toBe(true);
  });
});
