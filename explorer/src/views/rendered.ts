/** A rendered page: its HTML, and what to do once it is in the document (charts). */
export interface Rendered {
  html: string;
  mount?(root: HTMLElement): void;
}
