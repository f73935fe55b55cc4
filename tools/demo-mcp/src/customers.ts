/** One customer of the demo servers: what masking is for. */
export interface Customer {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly card: string;
}

/**
 * Fake customers. The card numbers are the networks' published test numbers (Luhn-valid, never real
 * cards), written the different ways people write them; the e-mail domains are reserved example
 * domains.
 */
export const CUSTOMERS: readonly Customer[] = [
  { id: 'cus_1001', name: 'Ada Lovelace', email: 'ada@example.com', card: '4111 1111 1111 1111' },
  { id: 'cus_1002', name: 'Alan Turing', email: 'alan.turing@example.org', card: '5555555555554444' },
  { id: 'cus_1003', name: 'Grace Hopper', email: 'grace.hopper@example.net', card: '4012-8888-8888-1881' },
  { id: 'cus_1004', name: 'Katherine Johnson', email: 'k.johnson@example.com', card: '378282246310005' },
  { id: 'cus_1005', name: 'Edsger Dijkstra', email: 'ewd@example.nl', card: '6011 1111 1111 1117' },
];

export function findCustomer(id: string): Customer | undefined {
  return CUSTOMERS.find((customer) => customer.id === id);
}

/** The one-line form the text outputs share: name, e-mail and card in clear. */
export function customerLine(customer: Customer): string {
  return `${customer.id} ${customer.name} <${customer.email}> card ${customer.card}`;
}
