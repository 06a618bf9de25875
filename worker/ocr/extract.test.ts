// Field extraction over receipt texts written by hand — French thermal tickets, restaurant, hotel,
// fuel, train, toll, Swiss and British receipts, SROIE-style Malaysian receipts — with the
// expected fields written down before the extractor was tuned. Distractors on purpose: subtotals,
// HT totals, change given, cash tendered, loyalty amounts, card and phone numbers, card expiry
// dates, a merchant called "TOTAL". The tests of A4 invoices, VAT tables read by their columns and
// cash versus change came later, one per behaviour added while tuning (made-up text, not fixtures).
import { describe, expect, it } from 'vitest';
import { extractFields, parseAmount, parseDate } from './extract.ts';

const lines = (...l: string[]) => l.join('\n');
const vat = (rate: string, base: string | null, amount: string | null) => ({ rate, base, amount });

describe('French thermal tickets', () => {
  it('supermarket: TOTAL TTC, CB, TVA table with code letter, loyalty and card number', () => {
    const f = extractFields({
      text: lines(
        'CARREFOUR MARKET',
        '12 RUE DE LA PAIX',
        '75002 PARIS',
        'TEL 01 42 61 00 00',
        'SIRET 123 456 789 00012',
        '--------------------------------',
        'PAIN COMPLET              2,10',
        'LAIT DEMI ECREME 1L       1,05',
        'POMMES GOLDEN 1,234 kg    3,69',
        '--------------------------------',
        'SOUS-TOTAL                6,84',
        'TOTAL TTC                 6,84 EUR',
        'CB                        6,84',
        'CODE  TAUX    HT     TVA',
        'A     5,50%   6,48   0,36',
        '--------------------------------',
        'CARTE FIDELITE : 2913 0000 1234 5678',
        'Cagnotte : 0,34 EUR',
        'Le 12/03/2026 a 18:42  Caisse 04',
        'MERCI DE VOTRE VISITE',
      ),
    });
    expect(f.merchant).toBe('CARREFOUR MARKET');
    expect(f.date).toBe('2026-03-12');
    expect(f.total).toBe('6.84');
    expect(f.currency).toBe('EUR');
    expect(f.vat).toEqual([vat('5.5', '6.48', '0.36')]);
    expect(f.confidence.total).toBeGreaterThan(0.8); // TOTAL TTC = CB = HT + TVA
    expect(f.confidence.vat).toBeGreaterThan(0.8); // base × rate = amount, and sums to the total
  });

  it('restaurant: two VAT rates, "12 mars 2026", € sign, contactless card line', () => {
    const f = extractFields({
      text: lines(
        'LE PETIT BISTROT',
        'SARL LE PETIT BISTROT',
        '8 place du Marché, 69002 Lyon',
        'Tél. 04 78 00 00 00',
        'Table 12      Couverts 2',
        'Serveur: Julie',
        '2 Plat du jour            29,00',
        '1 Vin rouge 25cl           9,50',
        '2 Café                     4,40',
        'TOTAL TTC                 42,90 €',
        'TVA 10,00%     30,36      3,04',
        'TVA 20,00%      7,92      1,58',
        'CB SANS CONTACT           42,90 EUR',
        'Date: 12 mars 2026 20:15',
        'Merci et à bientôt',
      ),
    });
    expect(f.merchant).toBe('LE PETIT BISTROT');
    expect(f.date).toBe('2026-03-12');
    expect(f.total).toBe('42.90');
    expect(f.currency).toBe('EUR');
    expect(f.vat).toEqual([vat('10.0', '30.36', '3.04'), vat('20.0', '7.92', '1.58')]);
  });

  it('bakery paid in cash: ESPECES and RENDU are not the total; 2-digit year', () => {
    const f = extractFields({
      text: lines(
        'BOULANGERIE MARIE',
        '3 rue Victor Hugo 33000 Bordeaux',
        '1 BAGUETTE TRADITION      1,30',
        '2 CROISSANT               2,40',
        'TOTAL                     3,70',
        'ESPECES                   5,00',
        'RENDU                     1,30',
        'TVA 5,5%   3,51   0,19',
        '14/02/26 07:58   Ticket 0042',
      ),
    });
    expect(f.merchant).toBe('BOULANGERIE MARIE');
    expect(f.date).toBe('2026-02-14');
    expect(f.total).toBe('3.70');
    expect(f.vat).toEqual([vat('5.5', '3.51', '0.19')]);
  });

  it('"MONNAIE RENDUE" and a discount line are not the total', () => {
    const f = extractFields({
      text: lines('PHARMACIE DU CENTRE', 'REMISE FIDELITE         -1,20', 'NET A PAYER            18,80', 'ESPECES                20,00', 'MONNAIE RENDUE          1,20', '05.03.2026'),
    });
    expect(f.total).toBe('18.80');
    expect(f.date).toBe('2026-03-05');
  });

  it('fuel: a merchant named TOTAL, a unit price with 3 decimals, NET A PAYER, ISO date', () => {
    const f = extractFields({
      text: lines(
        'TOTALENERGIES RELAIS A6',
        'AIRE DE BEAUNE TAILLY',
        '21200 BEAUNE',
        'PRODUIT : SP95-E10',
        'VOLUME : 35,42 L',
        'PRIX UNITAIRE : 1,879 EUR/L',
        'MONTANT : 66,55 EUR',
        'TVA 20,00 %   55,46   11,09',
        'CARTE **** **** **** 4821   EXP 09/27',
        'NET A PAYER   66,55 EUR',
        'DATE 2026-03-05 HEURE 14:02',
      ),
    });
    expect(f.merchant).toBe('TOTALENERGIES RELAIS A6');
    expect(f.date).toBe('2026-03-05');
    expect(f.total).toBe('66.55');
    expect(f.currency).toBe('EUR');
    expect(f.vat).toEqual([vat('20.0', '55.46', '11.09')]);
  });

  it('motorway toll and parking: MONTANT TTC, date with seconds, "dont TVA" (the base is TTC − TVA when the rate confirms it)', () => {
    const f = extractFields({
      text: lines('APRR', 'PEAGE DE VILLEFRANCHE', 'CLASSE 1', 'MONTANT TTC : 12,40 EUR', 'DONT TVA 20% : 2,07 EUR', '05/03/2026 14:12:05'),
    });
    expect(f.total).toBe('12.40');
    expect(f.date).toBe('2026-03-05');
    // changed after the first version (which left the base null): 12,40 − 2,07 = 10,33 and 10,33 × 20 % = 2,07
    expect(f.vat).toEqual([vat('20.0', '10.33', '2.07')]);
  });

  it('"dont TVA" on a total with an untaxed part: the rate does not confirm TTC − TVA, so no base', () => {
    const f = extractFields({ text: lines('HOTEL DU LAC', 'TOTAL TTC 104,40 EUR', 'dont TVA 10% 9,20', 'dont taxe de sejour 3,20') });
    expect(f.total).toBe('104.40');
    expect(f.vat).toEqual([vat('10.0', null, '9.20')]);
  });

  it('a tip added on the card: the amount paid is the card total', () => {
    const f = extractFields({ text: lines('BISTROT DES HALLES', 'TOTAL TTC       141,50', 'TVA 10% 128,64 12,86', 'POURBOIRE        10,00', 'CB              151,50', '20/03/2026') });
    expect(f.total).toBe('151.50');
  });

  it('an invoice with a deposit already paid: its total, not the balance left to pay', () => {
    const f = extractFields({
      text: lines('TRAITEUR DUPONT', 'FACTURE 2026-118 du 18/03/2026', 'TOTAL HT        1 553,00', 'TVA 20%   1 553,00   310,60', 'TOTAL TTC       1 863,60', 'ACOMPTE VERSE   -600,00', 'NET A PAYER     1 263,60'),
    });
    expect(f.total).toBe('1863.60');
  });

  it('taxi: "Prix TTC" and a phone number that looks like money', () => {
    const f = extractFields({
      text: lines('TAXI G7', 'Licence 12345', 'Tel 01.47.39.47.39', 'Prise en charge 4,18', 'Prix TTC : 32,50 €', 'TVA 10 %', 'Date : 05/03/2026'),
    });
    expect(f.total).toBe('32.50');
    expect(f.currency).toBe('EUR');
    expect(f.date).toBe('2026-03-05');
  });

  it('total HT, one VAT line and TOTAL TTC: the base comes from the HT total when it checks out', () => {
    const f = extractFields({ text: lines('GARAGE DUPONT', 'Facture 12/03/2026', 'TOTAL HT 10,00', 'TVA 20% 2,00', 'TOTAL TTC 12,00') });
    expect(f.total).toBe('12.00');
    expect(f.vat).toEqual([vat('20.0', '10.00', '2.00')]);
  });

  it('a TVA table with a header row and a TTC column; the table total row is not a VAT line', () => {
    const f = extractFields({
      text: lines(
        'HOTEL DES VOYAGEURS',
        '4 avenue de la Gare 21000 Dijon',
        'FACTURE N° 2026-0412',
        'Date de facture : 14/03/2026',
        'Arrivée : 12/03/2026   Départ : 14/03/2026',
        'Nuitée chambre double   2 x 95,00   190,00',
        'Petit déjeuner          2 x 12,00    24,00',
        'Taxe de séjour          2 x 1,65      3,30',
        'Taux      HT       TVA      TTC',
        '10,00 %   194,55   19,45    214,00',
        'Total     194,55   19,45    214,00',
        'Total TTC                   217,30',
        'Montant réglé               217,30',
        'Solde                         0,00',
      ),
    });
    expect(f.merchant).toBe('HOTEL DES VOYAGEURS');
    expect(f.date).toBe('2026-03-14');
    expect(f.total).toBe('217.30');
    expect(f.vat).toEqual([vat('10.0', '194.55', '19.45')]);
  });

  it('train ticket: "dont TVA" and a price with the euro sign first', () => {
    const f = extractFields({ text: lines('SNCF VOYAGEURS', 'PARIS GARE DE LYON -> LYON PART DIEU', 'Voyage du 20/03/2026', 'Prix total : €45,00', 'dont TVA 10,00 % : 4,09 €', 'Payé par carte le 02/03/2026') });
    expect(f.total).toBe('45.00');
    expect(f.currency).toBe('EUR');
    expect(f.vat).toEqual([vat('10.0', '40.91', '4.09')]); // changed like the toll's: 45,00 − 4,09 = 40,91, × 10 % = 4,09
    expect(f.date).not.toBeNull();
  });

  it('thousands with a space or a dot, comma decimals', () => {
    expect(extractFields({ text: lines('CONCESSION AUTO', 'TOTAL TTC 1 234,56 €') }).total).toBe('1234.56');
    expect(extractFields({ text: lines('CONCESSION AUTO', 'TOTAL TTC 1.234,56 EUR') }).total).toBe('1234.56');
    expect(extractFields({ text: lines('ACME LTD', 'TOTAL DUE $1,234.56') }).total).toBe('1234.56');
  });
});

describe('Swiss, British and other currencies', () => {
  it('CHF with a dotted date', () => {
    const f = extractFields({ text: lines('MIGROS GENEVE PLAINPALAIS', 'Total CHF 23.45', 'MWST 2.6%  22.86  0.59', 'Karte 23.45', '05.03.2026 11:20') });
    expect(f.currency).toBe('CHF');
    expect(f.total).toBe('23.45');
    expect(f.date).toBe('2026-03-05');
    expect(f.vat).toEqual([vat('2.6', '22.86', '0.59')]);
  });

  it('GBP with £, English date, VAT with one amount', () => {
    const f = extractFields({ text: lines('PRET A MANGER', 'London Bridge', 'Subtotal £7.29', 'VAT 20% £1.46', 'Total £8.75', 'Card payment £8.75', '12 Mar 2026 12:31') });
    expect(f.currency).toBe('GBP');
    expect(f.total).toBe('8.75');
    expect(f.date).toBe('2026-03-12');
    expect(f.vat).toEqual([vat('20.0', '7.29', '1.46')]);
  });

  it('BALANCE DUE (added after tuning on SROIE dev): a strong label, though "balance" alone is not a total', () => {
    expect(extractFields({ text: lines('JOE’S DINER', 'SUBTOTAL $11.57', 'TAX $0.93', 'BALANCE DUE $12.50', 'BALANCE $0.00') }).total).toBe('12.50');
  });

  it('US dollars with a month-first date', () => {
    const f = extractFields({ text: lines('STARBUCKS #1234', 'SEATTLE WA', 'TOTAL $6.45', 'VISA $6.45', 'March 14, 2026 08:10 AM') });
    expect(f.currency).toBe('USD');
    expect(f.total).toBe('6.45');
    expect(f.date).toBe('2026-03-14');
  });

  it('no currency printed: the default passed in, with a low confidence; none passed: null', () => {
    const text = lines('BAR TABAC LE MARIGNAN', 'TOTAL 4,20', '05/03/2026');
    const f = extractFields({ text, defaultCurrency: 'EUR' });
    expect(f.currency).toBe('EUR');
    expect(f.confidence.currency).toBeLessThan(0.5);
    expect(extractFields({ text }).currency).toBeNull();
  });

  it('a currency printed beats the default', () => {
    expect(extractFields({ text: lines('HOTEL LAC', 'TOTAL CHF 120.00'), defaultCurrency: 'EUR' }).currency).toBe('CHF');
  });
});

describe('SROIE-style receipts (English, Malaysia)', () => {
  it('Rounded Total (RM), cash and change', () => {
    const f = extractFields({
      text: lines(
        'tan woon yann',
        'BOOK TA .K (TAMAN DAYA) SDN BHD',
        '789417-W',
        'NO.53 55,57 & 59, JALAN SAGU 18,',
        'TAMAN DAYA,',
        '81100 JOHOR BAHRU,',
        'JOHOR.',
        'Document No : TD01167104',
        'Date : 25/12/2018 8:13:39 PM',
        'Cashier : MANIS',
        'CASH BILL',
        'CODE/DESC PRICE Disc AMOUNT',
        'QTY RM RM',
        '9556939040116 KF MODELLING CLAY KIDDY FISH',
        '1 PC * 9.000 0.00 9.00',
        'Total : 9.00',
        'Rounding Adjustment : 0.00',
        'Rounded Total (RM): 9.00',
        'Cash 10.00',
        'CHANGE 1.00',
        'GOODS SOLD ARE NOT RETURNABLE OR EXCHANGEABLE',
        'THANK YOU',
      ),
    });
    expect(f.merchant).toBe('BOOK TA .K (TAMAN DAYA) SDN BHD');
    expect(f.date).toBe('2018-12-25');
    expect(f.total).toBe('9.00');
    expect(f.currency).toBe('MYR');
    expect(f.vat).toEqual([]);
  });

  it('TOTAL RM 12.50 with a larger cash amount', () => {
    const f = extractFields({ text: lines('KEDAI MAKAN SRI', 'TOTAL RM 12.50', 'CASH RM 20.00', 'CHANGE RM 7.50', '12-01-19 13:05') });
    expect(f.total).toBe('12.50');
    expect(f.date).toBe('2019-01-12');
  });

  it('rounding: the rounded amount paid, not the amount before rounding', () => {
    const f = extractFields({
      text: lines('INDAH GIFT & HOME DECO', '19/10/2018 20:49:59 #01', 'TOTAL AMT.............. RM 60.31', 'ROUNDING ADJ........... -0.01', '                        RM 60.30', 'CASH................... RM 70.30', 'CHANGE................. RM 10.00'),
    });
    expect(f.total).toBe('60.30');
  });

  it('the amount on the line below its label (text without word boxes)', () => {
    const f = extractFields({ text: lines('ABC HO TRADING', 'Date: 09/01/2019 8:01:11 PM', 'Total :', '31.00', 'Total Amount:', '31.00', 'Cash Received 101.00', 'Change : 70.00') });
    expect(f.total).toBe('31.00');
  });

  it('GST summary, total excluding GST and the total quantity are not the total', () => {
    const f = extractFields({
      text: lines('SYL ROASTED DELIGHTS SDN. BHD.', 'Total Qty: 7 51.42', 'Total Sales (Excluding GST) : 51.42', 'Discount 0.00', 'Total GST 3.08', 'Rounding 0.00', 'Total Sales (Inclusive of GST) 54.50', 'CASH 60.00', 'CHANGE 5.50', 'GST @6% 3.08'),
    });
    expect(f.total).toBe('54.50');
  });

  it('"Nett Total" and dollar amounts printed in a Malaysian shop', () => {
    const f = extractFields({ text: lines('UNIHAKKA INTERNATIONAL SDN BHD', '05 Mar 2018 18:24', 'Total Amount: $8.20', 'GST @6%: $0.46', 'Nett Total: $8.20', 'CASH $8.20', 'Change $0.00') });
    expect(f.total).toBe('8.20');
    expect(f.date).toBe('2018-03-05');
    expect(f.vat).toEqual([vat('6.0', '7.74', '0.46')]); // changed like the toll's: 8,20 − 0,46 = 7,74, × 6 % = 0,46
  });
});

describe('word boxes', () => {
  it('rebuilds the rows from the boxes: a label and its amount read as two blocks', () => {
    // What Tesseract gives on a receipt whose amounts form a column: labels first, then amounts.
    const w = (text: string, x0: number, y0: number) => ({ text, conf: 90, box: { x0, y0, x1: x0 + 12 * text.length, y1: y0 + 20 } });
    const words = [w('SHOP', 100, 10), w('SUB-TOTAL', 10, 100), w('TOTAL', 10, 130), w('CASH', 10, 160), w('CHANGE', 10, 190), w('26.00', 300, 101), w('27.55', 300, 131), w('30.00', 300, 161), w('2.45', 300, 191)];
    const text = lines('SHOP', 'SUB-TOTAL', 'TOTAL', 'CASH', 'CHANGE', '26.00', '27.55', '30.00', '2.45');
    const f = extractFields({ text, words });
    expect(f.total).toBe('27.55');
  });

  it('a wide gap splits a row: the VAT table on the left, the total on the right', () => {
    const w = (text: string, x0: number, y0: number) => ({ text, conf: 95, box: { x0, y0, x1: x0 + 10 * text.length, y1: y0 + 20 } });
    const words = [
      w('GUEST', 10, 10), w('HOUSE', 80, 10),
      w('VAT', 10, 100), w('rate', 50, 100), w('Net', 150, 100), w('VAT', 250, 100), w('Total', 500, 100), w('VAT', 560, 100), w('16.00', 700, 100),
      w('20%', 10, 130), w('80.00', 150, 130), w('16.00', 250, 130), w('Total', 500, 130), w('due', 560, 130), w('96.00', 700, 130),
    ];
    const f = extractFields({ text: '', words });
    expect(f.vat).toEqual([vat('20.0', '80.00', '16.00')]);
    expect(f.total).toBe('96.00');
  });
});

describe('unknown fields are null, never guessed', () => {
  it('a text with nothing in it', () => {
    const f = extractFields({ text: 'lorem ipsum dolor sit amet' });
    expect(f).toEqual({ merchant: null, date: null, total: null, currency: null, vat: [], confidence: { merchant: 0, date: 0, total: 0, currency: 0, vat: 0 } });
  });

  it('amounts without any label: no total', () => {
    expect(extractFields({ text: lines('12,50', '3,20', '8,00') }).total).toBeNull();
  });

  it('an empty text', () => {
    expect(extractFields({ text: '' }).merchant).toBeNull();
  });

  it('confidences are within [0, 1]', () => {
    const f = extractFields({ text: lines('CAFE DE FLORE', 'TOTAL TTC 12,00 €', 'TVA 10% 10,91 1,09', '12/03/2026') });
    for (const c of Object.values(f.confidence)) expect(c >= 0 && c <= 1).toBe(true);
  });
});

describe('parseDate', () => {
  it.each([
    ['12 mars 2026', '2026-03-12'],
    ['1er avril 2026', '2026-04-01'],
    ['lundi 9 févr. 2026', '2026-02-09'],
    ['9 FEV 2026', '2026-02-09'],
    ['15 août 2025', '2025-08-15'],
    ['3 décembre 2025', '2025-12-03'],
    ['12/03/26', '2026-03-12'],
    ['12/03/2026', '2026-03-12'],
    ['1/3/2026', '2026-03-01'],
    ['12-03-2026', '2026-03-12'],
    ['12.03.2026', '2026-03-12'],
    ['12.03.26', '2026-03-12'],
    ['2026-03-12', '2026-03-12'],
    ['2026/03/12', '2026-03-12'],
    ['Date: 20260312', '2026-03-12'],
    ['March 12, 2026', '2026-03-12'],
    ['Mar 12 2026', '2026-03-12'],
    ['12 Mar 2018', '2018-03-12'],
    ['12-MAR-18', '2018-03-12'],
    ['12 MAR 18', '2018-03-12'],
    ['25 December 2018', '2018-12-25'],
    ['03/25/2026', '2026-03-25'],
    ['Le 12/03/2026 à 18:42', '2026-03-12'],
    ['DATE:05/03/2026', '2026-03-05'],
  ])('%s → %s', (s, iso) => expect(parseDate(s)).toBe(iso));

  it.each(['31/02/2026', '13/25/2026', 'EXP 12/27', '00/00/0000', 'Tel 01 42 61 00 00', '12:30:45', 'Ticket 2026'])('%s → null', (s) => expect(parseDate(s)).toBeNull());
});

describe('parseAmount', () => {
  it.each([
    ['12,50', '12.50'],
    ['12.50', '12.50'],
    ['1 234,56', '1234.56'],
    ['1.234,56', '1234.56'],
    ['1,234.56', '1234.56'],
    ['€12.50', '12.50'],
    ['12,50€', '12.50'],
    ['RM12.50', '12.50'],
    ['-0,01', '-0.01'],
    ['0.5', null],
    ['1,879', null],
    ['abc', null],
  ])('%s → %s', (s, v) => expect(parseAmount(s)).toBe(v));
});

describe('A4 invoices: side-by-side boxes, item tables, VAT summaries', () => {
  // Rows as the text layer of a PDF gives them: cells apart by a wide gap are joined by three spaces.
  const invoice = (totalRow: string) =>
    lines(
      'ATELIER DES LILAS',
      '5 rue des Lilas',
      '44000 Nantes',
      'FACTURE N° 2026-118',
      'Date :   04/02/2026',
      'Date   Désignation   Qté   P.U.   TVA   Montant TTC',
      '02/02/2026   Nuitée chambre simple   1   120,00   10,0%   120,00',
      'Ménage   2   15,00   20,0%   30,00',
      'Taux   Base HT   Montant TVA   Total TTC   Total HT   134,09',
      '10,0%   109,09   10,91   120,00   Total TVA   15,91',
      `20,0%   25,00   5,00   30,00   ${totalRow}`,
      'Acompte versé le 20/01/2026   -50,00 €',
      'Net à payer   100,00 €',
    );

  it('a VAT table beside the totals box: each read apart; item lines with a rate are not VAT lines', () => {
    const f = extractFields({ text: invoice('Total TTC   150,00 €') });
    expect(f.date).toBe('2026-02-04');
    expect(f.total).toBe('150.00'); // not the 100,00 left to pay after the deposit
    expect(f.vat).toEqual([vat('10.0', '109.09', '10.91'), vat('20.0', '25.00', '5.00')]);
  });

  it('the total unread: the VAT lines add up to the balance plus the deposit', () => {
    const f = extractFields({ text: invoice('Tot~l TT(   ~~') });
    expect(f.total).toBe('150.00');
  });

  it('a table header ending with a labelled amount: that amount is read with its own label', () => {
    const f = extractFields({ text: lines('THE ROSE HOTEL', 'Invoice date :   23 March 2026', 'VAT summary   Total   £96.00', 'VAT rate   Net   VAT   Gross', '20%   £80.00   £16.00   £96.00', 'Paid by card   -£96.00') });
    expect(f.total).toBe('96.00');
    expect(f.currency).toBe('GBP');
    expect(f.vat).toEqual([vat('20.0', '80.00', '16.00')]);
  });

  it('a statement: dated lines are not VAT lines; the issue date, not the period nor the debit date', () => {
    const f = extractFields({
      text: lines(
        'AUTOROUTES DU SUD',
        "Date d'émission :   02/05/2026",
        'Période :   du 01/04/2026 au 30/04/2026',
        'Prélèvement prévu le :   12/05/2026',
        '03/04/2026 08:12   Trajet A   20,0%   4,80',
        '04/04/2026 18:40   Trajet B   20,0%   4,80',
        'Taux   Montant HT   TVA   Montant TTC',
        '20,0%   8,00   1,60   9,60',
        'Total TTC du relevé   9,60 €',
        'Cumul depuis le 01/01/2026 : 48,00 € TTC',
        'Montant prélevé le 12/05/2026',
      ),
    });
    expect(f.date).toBe('2026-05-02');
    expect(f.total).toBe('9.60');
    expect(f.vat).toEqual([vat('20.0', '8.00', '1.60')]);
  });

  it('a running total since the start of the year is not the total', () => {
    const f = extractFields({ text: lines('AUTOROUTES DU SUD', 'Relevé du 02/05/2026', 'Total TTC du relevé   9,60 €', 'Cumul depuis le 01/01/2026 : 48,00 € TTC') });
    expect(f.total).toBe('9.60');
  });

  it('a car park ticket: the exit date, not the entry date', () => {
    const f = extractFields({ text: lines('PARKING GARE', 'Entrée   15/03/2026 18:40', 'Sortie   16/03/2026 09:12', 'A PAYER 27,50 €') });
    expect(f.date).toBe('2026-03-16');
  });
});

describe('VAT tables read by their columns', () => {
  it('the header names the columns: an HT column alone gives the base, not the VAT amount', () => {
    const f = extractFields({ text: lines('EPICERIE FINE', 'CODE   TAUX   HT', 'A   5,50   16,45', 'B   20,00   11,16') });
    expect(f.vat).toEqual([vat('5.5', '16.45', null), vat('20.0', '11.16', null)]);
  });

  it('English column names: "VAT %   Net amount   VAT amount   Total"', () => {
    const f = extractFields({ text: lines('NORTH STAR LTD', 'Invoice date: 3 April 2026', 'VAT %   Net amount   VAT amount   Total', '20%   £100.00   £20.00   £120.00', '5%   £40.00   £2.00   £42.00', 'Total due   £162.00') });
    expect(f.vat).toEqual([vat('5.0', '40.00', '2.00'), vat('20.0', '100.00', '20.00')]); // ascending rates
    expect(f.total).toBe('162.00');
  });

  it('a rate column without "%" after a label: the first amount when it is a known rate', () => {
    const f = extractFields({ text: lines('SUPERETTE DU COIN', 'TOTAL   10,55', 'Code   Taux   HT   TVA', 'TVA A   5,50   10,00   0,55') });
    expect(f.vat).toEqual([vat('5.5', '10.00', '0.55')]);
  });

  it('a rate column without "%" and with one decimal, after a code', () => {
    const f = extractFields({ text: lines('SUPERETTE DU COIN', 'TOTAL   36,00', 'Code   Taux   HT   TVA   TTC', '1   5,5   10,00   0,55   10,55', '2   20,0   21,25   4,25   25,50') });
    expect(f.vat).toEqual([vat('5.5', '10.00', '0.55'), vat('20.0', '21.25', '4.25')]);
  });

  it('a figure unreadable: the others read by the column of their cell', () => {
    const f = extractFields({ text: lines('LIBRAIRIE DU PORT', 'TOTAL   80,55 €', 'Taux   HT   TVA', '5,5 %   60,00   3#3-3,', '20,0 %   14,00   2,80') });
    expect(f.vat).toEqual([vat('5.5', '60.00', null), vat('20.0', '14.00', '2.80')]);
  });

  it('base and TTC columns, no VAT column: the VAT is TTC − base when the rate checks it', () => {
    const f = extractFields({ text: lines('EPICERIE FINE', 'TOTAL TTC   10,55', 'CODE   TAUX   HT   TTC', 'A   5,50   10,00   10,55') });
    expect(f.vat).toEqual([vat('5.5', '10.00', '0.55')]);
    expect(f.total).toBe('10.55');
  });

  it('the base on the row next to the VAT amount ("VAT @ 20%" then "Net"), when the rate checks it', () => {
    const f = extractFields({ text: lines('THE RED LION', 'TOTAL   £30.00', 'VAT @ 20%   £4.00', 'Net   £20.00') });
    expect(f.vat).toEqual([vat('20.0', '20.00', '4.00')]);
    const no = extractFields({ text: lines('THE RED LION', 'TOTAL   £30.00', 'VAT @ 20%   £4.00', 'Net   £26.00') });
    expect(no.vat).toEqual([vat('20.0', null, '4.00')]);
  });

  it('a rate, a base and the amount including VAT on one row: the VAT amount by difference, checked', () => {
    const f = extractFields({ text: lines('HOTEL DU PARC', 'TVA 10,0%   210,00   231,00') });
    expect(f.vat).toEqual([vat('10.0', '210.00', '21.00')]);
  });

  it('"%" read as a digit ("10,04"): the rate kept only when the base and amount check it', () => {
    const ok = extractFields({ text: lines('LE PETIT ZINC', 'TOTAL   12,70', 'TVA 10,04   1,15', 'HT   11,55') });
    expect(ok.vat).toEqual([vat('10.0', '11.55', '1.15')]);
    const no = extractFields({ text: lines('LE PETIT ZINC', 'TOTAL   12,70', 'TVA 10,04   3,00', 'HT   11,55') });
    expect(no.vat).toEqual([]);
    // "%" lost: the base from the total less the VAT, when the rate checks it
    const lost = extractFields({ text: lines('AUTOROUTES DU NORD', 'MONTANT   13,80 EUR', 'TVA 20,00   2,30') });
    expect(lost.vat).toEqual([vat('20.0', '11.50', '2.30')]);
  });

  it('decimal separators lost by OCR in a VAT row: read as cents only when the rate checks them', () => {
    const ok = extractFields({ text: lines('LE GRAND CHENE', 'Taux   Base HT   TVA', '20,00%   57400   11480') });
    expect(ok.vat).toEqual([vat('20.0', '574.00', '114.80')]);
    const no = extractFields({ text: lines('LE GRAND CHENE', 'Taux   Base HT   TVA', '20,00%   57400   12480') });
    expect(no.vat.every((v) => v.base === null || v.base !== '574.00')).toBe(true);
  });

  it('one VAT line misread: its base and amount from the HT and VAT totals less the other lines, when the rate checks them', () => {
    const f = extractFields({ text: lines('BUREAU CENTRAL', 'Taux   Base HT   Montant TVA', '5,5%   20,00   1,10', '20,0%   750,00   3000', 'Total HT   170,00', 'Total TVA   31,10', 'Net à payer TTC   201,10 €') });
    expect(f.vat).toEqual([vat('5.5', '20.00', '1.10'), vat('20.0', '150.00', '30.00')]);
    expect(f.total).toBe('201.10');
  });

  it('an item table with a "Taux TVA" column is not a VAT summary', () => {
    const f = extractFields({
      text: lines('PAPETERIE DU PORT', 'Désignation   Qté   P.U. HT   Taux TVA   Montant HT', 'Cahiers   10   2,00   20,0%   20,00', 'Stylos   5   1,00   20,0%   5,00', 'Total HT   25,00', 'TVA 20 %   5,00', 'Total TTC   30,00'),
    });
    expect(f.vat).toEqual([vat('20.0', '25.00', '5.00')]);
    expect(f.total).toBe('30.00');
  });

  it('item rows under a header not known as an item table: not VAT lines unless their figures check out', () => {
    const f = extractFields({ text: lines('PAPETERIE DU PORT', 'Nature   Nombre   TVA   Montant', 'Cahiers   10   20,0%   20,00', 'Stylos   5   20,0%   5,00', 'Total TTC   25,00') });
    expect(f.vat).toEqual([]);
  });

  it('no VAT word nor table header (OCR lost them): a row that starts with its rate, only when base × rate = amount', () => {
    const f = extractFields({ text: lines('LE GRAND CHENE', '10,00%   1068,00   106,80', '20,00%   574,00   99,00', 'Net à payer   1 748,80 €') });
    expect(f.vat).toEqual([vat('10.0', '1068.00', '106.80')]);
  });

  it('a garbled rate in an item row ("1000%") does not open a VAT table', () => {
    const f = extractFields({ text: lines('LE GRAND CHENE', 'Déjeuner séminaire   24   3500   1000%   91200', 'Location salle   1   350,00   20,00%   350,00') });
    expect(f.vat).toEqual([]);
  });
});

describe('cash and change', () => {
  it('a "total" above the cash handed over, with change given back, is a misreading', () => {
    const f = extractFields({ text: lines('MINI MARKET', '1 SUMMER CUP   9.00', 'TOTAL   92.00', 'CASH   50.00', 'CHANGE   41.00') });
    expect(f.total).toBe('9.00');
  });
});

describe('a total misread, mended by the receipt’s arithmetic', () => {
  it('one digit wrong: subtotal + a tax its rate checks (separator lost) + rounding', () => {
    const f = extractFields({ text: lines('KEDAI BARU SDN BHD', '12/02/2018', 'Sub Total (Excluded GST)   106.10', 'Total GST   637', 'Rounding   -0.02', 'Total   112.46', 'Thank you') });
    expect(f.total).toBe('112.45');
  });

  it('leading digits lost: subtotal + service charge + tax at its printed rate + rounding', () => {
    const f = extractFields({ text: lines('THE PUB SDN BHD', '12/03/2018', 'SUB TOTAL   295.00', 'SERVICE CHARGE 10%   29.50', 'GST 6%   19.47', 'ROUNDING ADJ   -0.02', 'TOTAL   43.95') });
    expect(f.total).toBe('343.95');
  });

  it('from a checked GST summary ("SR 6.00 base tax") and a rounding whose label was misread', () => {
    const f = extractFields({ text: lines('BOOK SHOP SDN BHD', '12/02/2018', 'TOTAL   8.68', 'xx   -0.01', 'TOTAL   3.35', 'GST SUMMARY', 'CODE   AMOUNT   TAX', 'SR   6.00   144.68   8.68') });
    expect(f.vat).toEqual([vat('6.0', '144.68', '8.68')]); // a header without "%": the row kept because it checks
    expect(f.total).toBe('153.35');
  });

  it('a printed rounding is part of the sum: the total before it is not "mended"', () => {
    const f = extractFields({ text: lines('KEDAI BARU SDN BHD', 'Sub Total   26.00', 'GST 6%   1.56', 'Rounding   -0.01', 'Total   27.55') });
    expect(f.total).toBe('27.55');
  });

  it('no mend when the misreading does not fit the arithmetic, nor when the total is already supported', () => {
    expect(extractFields({ text: lines('KEDAI', 'Sub Total   106.10', 'GST 6%   6.37', 'Total   120.00') }).total).toBe('120.00');
    expect(extractFields({ text: lines('KEDAI', 'Sub Total   106.10', 'GST 6%   6.37', 'Total   112.46', 'CASH   120.00', 'CHANGE   7.54') }).total).toBe('112.46');
  });
});
