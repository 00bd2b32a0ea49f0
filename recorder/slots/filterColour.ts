/** A theme colour (`#rrggbb`, as the protocol keeps it) as FFmpeg's filters write it. */
export function filterColour(colour: string): string {
  return `0x${colour.slice(1)}`;
}
