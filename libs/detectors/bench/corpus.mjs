// Mixed ASCII text for the detector throughput measurement (seeded: every run sees the same text).
let seed = 42;
const random = () => { // mulberry32
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (min, max) => min + Math.floor(random() * (max - min + 1));
const pick = (items) => items[Math.floor(random() * items.length)];
const pad = (n, w) => String(n).padStart(w, '0');
const hex = (n) => Array.from({ length: n }, () => '0123456789abcdef'[int(0, 15)]).join('');

const WORDS = ('the a of to and in is was for on that with as by at from this it be are or an have not which one all were we when there can '
  + 'request response gateway policy service user session token key password order payment customer account status error warning info '
  + 'debug value field masking detector upstream downstream connection timeout retry latency header body cache').split(' ');
const sentence = () => {
  const words = Array.from({ length: int(8, 20) }, () => (random() < 0.06 ? String(int(1, 2030)) : pick(WORDS)));
  words[0] = words[0][0].toUpperCase() + words[0].slice(1);
  return words.join(' ') + pick(['.', '.', '.', '?', '!']) + ' ';
};
const timestamp = () => `2026-${pad(int(1, 12), 2)}-${pad(int(1, 28), 2)}T${pad(int(0, 23), 2)}:${pad(int(0, 59), 2)}:${pad(int(0, 59), 2)}.${pad(int(0, 999), 3)}Z`;
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
const logLine = () => `${timestamp()} ${pick(['INFO', 'INFO', 'WARN', 'DEBUG', 'ERROR'])} [${pick(['ingress', 'policy', 'audit'])}] req=${uuid()} `
  + `${pick(['GET', 'POST', 'PUT'])} /api/v1/${pick(['orders', 'users', 'items'])}/${int(1, 9_999_999)} status=${pick([200, 200, 201, 404, 500])} `
  + `dur=${int(1, 2000)}ms ip=${int(1, 254)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)} ua="Mozilla/5.0 (X11; Linux x86_64) Chrome/${int(100, 130)}.0.${int(1000, 6000)}.${int(10, 200)}"\n`;
const jsonRecord = () => `{"id": ${int(1, 1e9)}, "uuid": "${uuid()}", "name": "${pick(WORDS)} ${pick(WORDS)}", "created_at": "${timestamp()}", `
  + `"price": ${(random() * 1000).toFixed(2)}, "qty": ${int(1, 99)}, "status": "${pick(['active', 'pending', 'shipped'])}", "tags": ["${pick(WORDS)}", "${pick(WORDS)}"], `
  + `"version": "${int(1, 9)}.${int(0, 20)}.${int(0, 99)}", "token_type": "Bearer", "expires_in": 3600}\n`;

export const PLANTED = [
  'card 4111 1111 1111 1111 ', 'mail jo.doe@example.com ', 'IBAN DE89 3704 0044 0532 0130 00 ', 'call +1 (201) 555-0123 ',
  'SSN 123-45-6789 ', 'key AKIAIOSFODNN7EXAMPLE ', '"password": "Tr0ub4dor&3x", ', 'Authorization: Bearer abc123def456ghi789jkl\n',
];

/**
 * ~`bytes` characters of prose, log lines and JSON-ish records, a planted value every 100 kB.
 * `proseShare` is the share of prose parts (0.35 by default: about a quarter of the characters are
 * digits, as in API logs and JSON); the rest splits evenly between log lines and records.
 */
export function corpus(bytes, proseShare = 0.35) {
  const parts = [];
  let size = 0;
  let nextPlant = 100_000;
  let plants = 0;
  while (size < bytes) {
    const kind = random();
    const part = kind < proseShare ? sentence() : kind < (1 + proseShare) / 2 ? logLine() : jsonRecord();
    parts.push(part);
    size += part.length;
    if (size >= nextPlant) {
      const planted = PLANTED[plants++ % PLANTED.length];
      parts.push(planted);
      size += planted.length;
      nextPlant += 100_000;
    }
  }
  return parts.join('');
}

