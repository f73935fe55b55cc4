import { describe, expect, it } from 'vitest';
import { CUSTOMERS, customerLine, findCustomer } from './customers.js';

function luhnValid(card: string): boolean {
  const digits = card.replace(/[ -]/g, '');
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return /^\d{13,19}$/.test(digits) && sum % 10 === 0;
}

describe('demo customers', () => {
  it('carry Luhn-valid card numbers and example e-mail addresses, so masking has something to find', () => {
    for (const customer of CUSTOMERS) {
      expect(luhnValid(customer.card), customer.card).toBe(true);
      expect(customer.email).toMatch(/^[^@\s]+@example\.[a-z]+$/);
    }
    expect(CUSTOMERS.map((c) => c.email)).toContain('ada@example.com');
    expect(CUSTOMERS.map((c) => c.card)).toEqual(expect.arrayContaining(['4111 1111 1111 1111', '5555555555554444']));
  });

  it('have unique ids and are found by id', () => {
    expect(new Set(CUSTOMERS.map((c) => c.id)).size).toBe(CUSTOMERS.length);
    expect(findCustomer('cus_1001')?.name).toBe('Ada Lovelace');
    expect(findCustomer('nobody')).toBeUndefined();
  });

  it('print as one line with name, e-mail and card', () => {
    expect(customerLine(CUSTOMERS[0]!)).toBe('cus_1001 Ada Lovelace <ada@example.com> card 4111 1111 1111 1111');
  });
});
