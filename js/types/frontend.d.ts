// Interfaces between the front end's own modules (the protocol's types are in protocol.d.ts). Types only.

import type { ColumnKind, ImageValue, MediasValue, MediaValue, Model, OverlayDict, Row, SchemaColumn, Side } from "./protocol";

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

/** An audio cell's waveform: `bins` (min, max) pairs of signed bytes (sample * 127), or why there is none. */
export type WaveValue = Int8Array | { error: string };

/** A media file as the kernel sent it (audio, video, HTML, 3-D, Plotly, molecule), or why it did not. */
export type MediaFileValue = { blob: Blob; mime: string; format: string } | { error: string };

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
  /** audio waveforms, batched like thumbnails */
  requestWaveforms?(items: { key: string; bins: number }[]): Promise<Map<string, WaveValue>>;
  /** media files as they are, batched */
  requestMedia?(items: { key: string }[]): Promise<Map<string, MediaFileValue>>;
  /** the whole text of a string cell the kernel cut */
  requestCellText?(rowKey: number | string, column: string): Promise<string>;
  /** a bundled module the entry does not carry (three.js, the Markdown renderer) */
  loadAsset?(name: "three" | "markdown"): Promise<any>;
  /** plotly.js for Plotly cells (charts.js loads it once per page) */
  loadPlotly?(): Promise<any>;
  /** a modal dialog inside the widget; `fill(body)` may return a cleanup; returns `close` */
  openDialog?(title: string, fill: (body: HTMLElement) => unknown): () => void;
}

/** What a media cell renderer (js/media/kinds/) is drawn with. */
export interface MediaCellOpts {
  /** longest side of a thumbnail, CSS px */
  size?: number;
  row?: Row | null;
  column?: SchemaColumn | null;
  /** a sample in a grouped cell: smaller, fewer facts */
  compact?: boolean;
  /** theme colours read from the widget (for canvases and charts) */
  theme?: () => { font: string; muted: string; grid: string; background: string; family: string };
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
  /** an audio, video, HTML, 3-D, Plotly or molecule cell */
  renderMediaCell?(container: HTMLElement, value: MediaValue, ctx: MediaCtx, opts?: MediaCellOpts): () => void;
  /** the samples of a grouped media column (its histogram is drawn by the caller) */
  renderMediaSamples?(container: HTMLElement, group: MediasValue, ctx: MediaCtx, opts?: MediaCellOpts): () => void;
  /** a long text cell: clipped, with expand and an optional Markdown view */
  renderLongText?(container: HTMLElement, text: string, ctx: MediaCtx, opts: MediaCellOpts & { cut?: boolean }): () => void;
  onOverlayChange(ctx: MediaCtx): void;
}

/** Columns seen so far (name -> kind): the choices of Group by, Sort and column visibility. */
export type SeenColumns = Map<string, ColumnKind>;
