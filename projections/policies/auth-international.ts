/**
 * Markets whose authentication-international rate applies from a date (Meta's
 * authentication-international pages): Indonesia 2024-06-01 and India 2024-07-01 (the note on
 * the 2023-06 card), seven more markets from 2025-02-01, and the nine markets that became
 * standalone with era E on 2026-10-01.
 */
export const AUTH_INTERNATIONAL_FROM: Readonly<Record<string, string>> = {
  ID: '2024-06-01',
  IN: '2024-07-01',
  EG: '2025-02-01',
  MY: '2025-02-01',
  NG: '2025-02-01',
  PK: '2025-02-01',
  SA: '2025-02-01',
  ZA: '2025-02-01',
  AE: '2025-02-01',
  BD: '2026-10-01',
  IQ: '2026-10-01',
  KZ: '2026-10-01',
  KW: '2026-10-01',
  MA: '2026-10-01',
  NP: '2026-10-01',
  OM: '2026-10-01',
  LK: '2026-10-01',
  UA: '2026-10-01',
};
