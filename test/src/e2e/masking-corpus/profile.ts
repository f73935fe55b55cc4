import type { EvasionCase, PlantedKind } from './corpus.types.js';

// The masking profile the corpus runs under: issue 10's profile, every detector and the three
// field rules. The detector list is one constant; detectors not on main yet are named in
// DETECTORS_NOT_YET_MERGED (EMPTY once everything has landed), and the cases that need them are
// reported as pending instead of run.

export const ALL_DETECTORS = ['email', 'card', 'iban', 'phone', 'ssn', 'secret'] as const;
export type CorpusDetector = (typeof ALL_DETECTORS)[number];

/** Detectors the config does not accept yet. Must be EMPTY in the final version. */
export const DETECTORS_NOT_YET_MERGED: readonly CorpusDetector[] = [];

/** The profile's detector list. */
export const PROFILE_DETECTORS: readonly CorpusDetector[] = ALL_DETECTORS.filter((d) => !DETECTORS_NOT_YET_MERGED.includes(d));

export const FIELD_RULES = ['password', 'ssn', 'secret'] as const;

export const CONNECTION = 'corpus';
export const PROFILE = 'corpus-all';

/** Detectors a case needs that the profile does not have yet (field rules are always on). */
export function missingDetectors(c: EvasionCase): CorpusDetector[] {
  const kinds = new Set<PlantedKind>(c.planted.map((p) => p.kind));
  return ALL_DETECTORS.filter((d) => kinds.has(d) && !PROFILE_DETECTORS.includes(d));
}

/** What the harness adds to the stack's config: the connection, the profile, and the rule allowing GET with it. */
export function corpusConfig(upstreamUrl: string) {
  return {
    connections: [{ name: CONNECTION, type: 'http', upstream: upstreamUrl, timeout: '20s' }],
    maskingProfiles: [{ name: PROFILE, detectors: [...PROFILE_DETECTORS], fields: [...FIELD_RULES] }],
    policies: [
      {
        id: 'agents-read-corpus-masked',
        effect: 'allow',
        match: { groups: ['agents'], connections: [CONNECTION], http: { methods: ['GET'] } },
        maskingProfile: PROFILE,
      },
    ],
  };
}
