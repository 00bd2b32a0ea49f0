// The part of codem-isoboxer (dash.js's MP4 box parser; it ships no types) that cmafFragments.ts reads.
declare module 'codem-isoboxer' {
  /** A parsed box: its fields by the names of ISO/IEC 14496-12, its children in `boxes`. */
  export interface IsoBox {
    type: string;
    size: number;
    boxes?: IsoBox[];
    readonly [field: string]: unknown;
  }
  export interface IsoFile {
    boxes: IsoBox[];
    /** Every box of that type, at any depth, in file order. */
    fetchAll(type: string): IsoBox[];
  }
  export function parseBuffer(buffer: ArrayBuffer): IsoFile;
}
