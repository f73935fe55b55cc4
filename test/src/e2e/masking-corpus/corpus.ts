import { cardCases } from './cases-card.js';
import { emailCases } from './cases-email.js';
import { fieldCases } from './cases-fields.js';
import { hostileCases } from './cases-hostile.js';
import { httpCases } from './cases-http.js';
import { matrixEvasion, matrixPrecision } from './cases-matrix.js';
import { ibanPhoneSsnCases } from './cases-iban-phone-ssn.js';
import { secretCases } from './cases-secret.js';
import { transportCases } from './cases-transport.js';
import type { EvasionCase, PrecisionCase } from './corpus.types.js';
import { precisionCases } from './precision-cases.js';

/** The whole corpus: every evasion case and every look-alike, ids unique across both. */
export function buildCorpus(): { evasion: EvasionCase[]; precision: PrecisionCase[] } {
  const evasion = [...cardCases(), ...emailCases(), ...ibanPhoneSsnCases(), ...secretCases(), ...fieldCases(), ...transportCases(), ...httpCases(), ...hostileCases(), ...matrixEvasion()];
  const precision = [...precisionCases(), ...matrixPrecision()];
  const ids = [...evasion, ...precision].map((c) => c.id);
  const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (duplicates.length) throw new Error(`duplicate case ids: ${duplicates.join(', ')}`);
  return { evasion, precision };
}
