// Every feature's routes, in one list: the app, the OpenAPI document and the isolation test read it.
import { apiTokensRoutes } from './api-tokens/api-tokens.routes.ts';
import { auditRoutes } from './audit/audit.routes.ts';
import { billingRoutes } from './billing/billing.routes.ts';
import { authRoutes } from './auth/auth.routes.ts';
import { categoriesRoutes } from './categories/categories.routes.ts';
import { expensesRoutes } from './expenses/expenses.routes.ts';
import { mileageRoutes } from './mileage/mileage.routes.ts';
import { ratesRoutes } from './rates/rates.routes.ts';
import { receiptsRoutes } from './receipts/receipts.routes.ts';
import { tenantsRoutes } from './tenants/tenants.routes.ts';
import { usersRoutes } from './users/users.routes.ts';
import { exportsRoutes } from './exports/exports.routes.ts';
import { subprocessorsRoutes } from './gdpr/subprocessors.routes.ts';
import { supportAccessRoutes } from './support-access/support-access.routes.ts';
import { gdprBreachesRoutes } from './gdpr/gdpr-breaches.routes.ts';
import { legalRoutes } from './legal/legal.routes.ts';
import { vaultRoutes } from './vault/vault.routes.ts';
import { workflowRoutes } from './workflow/workflow.routes.ts';

export const allRoutes = [...authRoutes, ...usersRoutes, ...apiTokensRoutes, ...auditRoutes, ...tenantsRoutes, ...categoriesRoutes, ...ratesRoutes, ...expensesRoutes, ...receiptsRoutes, ...mileageRoutes, ...workflowRoutes, ...vaultRoutes, ...exportsRoutes, ...billingRoutes, ...gdprBreachesRoutes, ...subprocessorsRoutes, ...legalRoutes, ...supportAccessRoutes];
