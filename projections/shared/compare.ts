/** Code-unit order, never the locale: canonical orders must not depend on the machine. */
export function text(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
