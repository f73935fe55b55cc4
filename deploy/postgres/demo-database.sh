#!/bin/sh
# The demo database behind the demo-pg connection, for docker-compose.yml (the postgres image runs
# this once, when it initialises its data directory). `npm start` makes the same database with
# tools/stack's seedDemoDatabase; test/src/deploy/compose.unit.test.ts checks the rows are the same.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -v password="$DEMO_PG_PASSWORD" <<'SQL'
create role portcullis_demo login password :'password';
create database portcullis_demo owner portcullis_demo;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname portcullis_demo <<'SQL'
set role portcullis_demo;
create table customers (id serial primary key, name text not null, email text not null, card_number text not null, note text);
insert into customers (name, email, card_number, note) values
  ('Ada Lovelace', 'ada.lovelace@example.com', '4111111111111111', 'VIP; prefers e-mail to ada@analytical.example.org'),
  ('Alan Turing', 'alan@bletchley.example.co.uk', '5555555555554444', 'second card on file 378282246310005 (amex)'),
  ('Grace Hopper', 'grace.hopper@navy.example.mil', '6011000990139424', null),
  ('Katherine Johnson', 'k.johnson@langley.example.gov', '4012888888881881', 'invoice monthly'),
  ('Edsger Dijkstra', 'ewd@example.nl', '5105105105105100', null),
  ('Barbara Liskov', 'liskov@example.edu', '378282246310005', 'renewal due in March'),
  ('Donald Knuth', 'dek@taocp.example.org', '6011111111111117', 'pays by cheque; card for shipping only'),
  ('Margaret Hamilton', 'margaret@apollo.example.com', '4242424242424242', null),
  ('Ken Thompson', 'ken@example.net', '3530111333300000', 'call +1 555 0100 before delivery'),
  ('Frances Allen', 'fran.allen@example.com', '5200828282828210', null),
  ('John Backus', 'backus@fortran.example.org', '371449635398431', 'disputed charge 2026-10-14, resolved'),
  ('Radia Perlman', 'radia@spanning.example.net', '4000056655665556', null),
  ('Dennis Ritchie', 'dmr@example.com', '2223003122003222', 'old card 4111 1111 1111 1111 expired'),
  ('Hedy Lamarr', 'hedy@frequency.example.com', '30569309025904', null),
  ('Tim Berners-Lee', 'timbl@example.org', '5454545454545454', 'newsletter opt-out'),
  ('Sophie Wilson', 'sophie.wilson@acorn.example.co.uk', '3566002020360505', null),
  ('Leslie Lamport', 'lamport@paxos.example.com', '38520000023237', 'billing contact: finance@paxos.example.com'),
  ('Adele Goldberg', 'adele@smalltalk.example.org', '6200000000000005', null),
  ('Niklaus Wirth', 'wirth@example.ch', '4000002500003155', 'ships to Zürich office'),
  ('Annie Easley', 'annie.easley@example.gov', '5555555555554444', 'shares a card with account 2');
SQL
