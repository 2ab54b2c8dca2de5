// Interfaces between the front end's own modules (the protocol's types are in protocol.d.ts). Types only.

import type { ColumnKind, ImageValue, Model, OverlayDict, Row, SchemaColumn, Side } from "./protocol";

/** What every view component returns: its element and the function that removes it and stops its listeners. */
export interface Component {
  el: HTMLElement;
  cleanup(): void;
}

/** An image as the media context hands it over: drawable, a Blob URL to load, or why there is none. */
export type ThumbValue = ImageBitmap | string | { error: string };

/** A decoded segmentation mask: one class id per pixel, row-major. */
export interface DecodedMask {
  width: number;
  height: number;
  data: Uint8Array | Uint16Array;
}
export type MaskValue = DecodedMask | { error: string };

/**
 * The widget context js/media draws with (made by createMediaContext in js/protocol.js): thumbnails, masks and full
 * images fetched in batches, and the overlay trait.
 */
export interface MediaCtx {
  requestThumbs(items: { key: string; size: number }[]): Promise<Map<string, ThumbValue>>;
  requestMasks(items: { key: string }[]): Promise<Map<string, MaskValue>>;
  requestImage(key: string): Promise<ThumbValue>;
  model?: Pick<Model, "get">;
  getOverlay(): OverlayDict;
  setOverlay(dict: OverlayDict): void;
  /** the rows on screen (the enlarged view lists the row's values) */
  pageRows?: () => Row[];
  /** the visible columns */
  schema?: () => SchemaColumn[];
  /** the widget's root element: overlays (enlarged view, hover card) are mounted inside it */
  overlayRoot?: HTMLElement | null;
}

/** A compare cell's images for js/media: `other` is the other side's image. */
export interface CompareOpts {
  other: ImageValue | null;
  side: Side;
}

/** The neighbouring image of the enlarged view (arrow keys). */
export interface NavTarget {
  image: ImageValue | null;
  row?: Row | null;
  compare?: CompareOpts | null;
  onNavigate?: Navigate | null;
}
export type Navigate = (delta: number) => NavTarget | null | Promise<NavTarget | null>;

export interface ImageCellOpts {
  /** longest side in CSS px, or a box */
  size?: number | { width: number; height: number };
  compare?: CompareOpts | null;
  row?: Row | null;
  column?: string | null;
  onNavigate?: Navigate | null;
}

/** js/media's entry points, as the table and the toolbar call them. */
export interface MediaApi {
  renderImageCell(container: HTMLElement, image: ImageValue | null, ctx: MediaCtx, opts?: ImageCellOpts): () => void;
  renderImageGrid(container: HTMLElement, images: ImageValue[], ctx: MediaCtx, opts?: ImageCellOpts): () => void;
  renderMediaControls(container: HTMLElement, schemaColumns: SchemaColumn[] | undefined, ctx: MediaCtx): () => void;
  onOverlayChange(ctx: MediaCtx): void;
}

/** Columns seen so far (name -> kind): the choices of Group by, Sort and column visibility. */
export type SeenColumns = Map<string, ColumnKind>;
