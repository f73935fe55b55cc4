/** A row of the demo database's `customers` table (id is the table's serial). */
export interface DemoCustomer {
  readonly name: string;
  readonly email: string;
  readonly card_number: string;
  readonly note: string | null;
}

/**
 * Fake customers for the demo database behind `demo-pg`: what masking is for. The card numbers are
 * the networks' published test numbers (valid Luhn, never real cards); the e-mail domains are
 * reserved example domains. Some notes carry personal data of their own, as free text does.
 * The first three are the HTTP demo's customers.
 */
export const DEMO_CUSTOMERS: readonly DemoCustomer[] = [
  { name: 'Ada Lovelace', email: 'ada.lovelace@example.com', card_number: '4111111111111111', note: 'VIP; prefers e-mail to ada@analytical.example.org' },
  { name: 'Alan Turing', email: 'alan@bletchley.example.co.uk', card_number: '5555555555554444', note: 'second card on file 378282246310005 (amex)' },
  { name: 'Grace Hopper', email: 'grace.hopper@navy.example.mil', card_number: '6011000990139424', note: null },
  { name: 'Katherine Johnson', email: 'k.johnson@langley.example.gov', card_number: '4012888888881881', note: 'invoice monthly' },
  { name: 'Edsger Dijkstra', email: 'ewd@example.nl', card_number: '5105105105105100', note: null },
  { name: 'Barbara Liskov', email: 'liskov@example.edu', card_number: '378282246310005', note: 'renewal due in March' },
  { name: 'Donald Knuth', email: 'dek@taocp.example.org', card_number: '6011111111111117', note: 'pays by cheque; card for shipping only' },
  { name: 'Margaret Hamilton', email: 'margaret@apollo.example.com', card_number: '4242424242424242', note: null },
  { name: 'Ken Thompson', email: 'ken@example.net', card_number: '3530111333300000', note: 'call +1 555 0100 before delivery' },
  { name: 'Frances Allen', email: 'fran.allen@example.com', card_number: '5200828282828210', note: null },
  { name: 'John Backus', email: 'backus@fortran.example.org', card_number: '371449635398431', note: 'disputed charge 2026-10-14, resolved' },
  { name: 'Radia Perlman', email: 'radia@spanning.example.net', card_number: '4000056655665556', note: null },
  { name: 'Dennis Ritchie', email: 'dmr@example.com', card_number: '2223003122003222', note: 'old card 4111 1111 1111 1111 expired' },
  { name: 'Hedy Lamarr', email: 'hedy@frequency.example.com', card_number: '30569309025904', note: null },
  { name: 'Tim Berners-Lee', email: 'timbl@example.org', card_number: '5454545454545454', note: 'newsletter opt-out' },
  { name: 'Sophie Wilson', email: 'sophie.wilson@acorn.example.co.uk', card_number: '3566002020360505', note: null },
  { name: 'Leslie Lamport', email: 'lamport@paxos.example.com', card_number: '38520000023237', note: 'billing contact: finance@paxos.example.com' },
  { name: 'Adele Goldberg', email: 'adele@smalltalk.example.org', card_number: '6200000000000005', note: null },
  { name: 'Niklaus Wirth', email: 'wirth@example.ch', card_number: '4000002500003155', note: 'ships to Zürich office' },
  { name: 'Annie Easley', email: 'annie.easley@example.gov', card_number: '5555555555554444', note: 'shares a card with account 2' },
];
