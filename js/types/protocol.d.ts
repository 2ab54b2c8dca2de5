// The kernel <-> browser protocol of docs/protocol.md as types: the synced traits, the custom messages both
// ways, the cells, the schema entries, and the part of the anywidget model proxy the front end uses.
// Types only (checked by `npm run typecheck`); nothing here exists at run time.

// ---------------------------------------------------------------- trait values

export type SortDirection = "asc" | "desc";
/** One sort key, canonical as the kernel echoes it: `[column, "asc" | "desc"]`. */
export type SortKey = [column: string, direction: SortDirection];
/** The compare-mode row filter: every row, rows in both tables, rows only in A (table 0), only in B (table 1). */
export type QuickFilter = "all" | "both" | "only0" | "only1";
/** The view kind the kernel reports. */
export type Mode = "rows" | "groups" | "compare" | "compare-groups";
/** The controls an error can belong to. */
export type ErrorControl = "filter" | "group-by" | "sort" | "compare";
/** Table 0 = "A" (the current version), table 1 = "B" (the compared one). */
export type Side = 0 | 1;
export type CompareStyle = "overlay" | "side-by-side";

/** Column kinds: those of docs/storage.md, plus those of the grouped and compare views. */
export type ColumnKind =
  | "null"
  | "bool"
  | "int"
  | "float"
  | "str"
  | "datetime"
  | "list"
  | "dict"
  | "json"
  | "ndarray"
  | "image"
  | MediaKind
  | "mixed"
  | "hist"
  | "counts"
  | "images"
  | "media"
  | "compare"
  | "count"
  | "key"
  | "none";

/** The media kinds besides images (docs/storage.md "Media structs"). */
export type MediaKind = "audio" | "video" | "html" | "object3d" | "plotly" | "molecule";

/** A class of an image's class set. */
export interface ImageClass {
  id: number;
  name?: string;
  color?: string;
}

/** An entry of the `schema` trait: a column on screen. */
export interface SchemaColumn {
  name: string;
  kind: ColumnKind;
  label?: string;
  /** which table the column comes from in compare views; null for both / not comparing */
  table?: Side | null;
  /** `image` / `images` columns: the stored layers */
  layers?: { boxes?: string[]; masks?: string[] };
  /** `image` / `images` columns: score keys per box layer */
  scores?: Record<string, string[]>;
  /** `image` / `images` columns: the class set */
  classes?: ImageClass[];
  /** `str` columns holding long text (a cell over 200 characters when logged) */
  text?: boolean;
  /** the registered cell panel (docs/panels.md) that draws this column's cells */
  panel?: string;
}

/** An entry of the `panels` trait: a registered cell panel. */
export interface PanelEntry {
  name: string;
  digest: string;
  for_type?: string[];
  for_column?: string[];
}

/** An entry of the `versions` trait. */
export interface VersionEntry {
  version: string;
  aliases?: string[];
  created_at?: string;
  current?: boolean;
  compared?: boolean;
  /** the exact string to put in `compare` for this version */
  spec?: string;
}

/** The `error` trait: `{}` or the error of the last query. */
export interface ErrorInfo {
  message?: string;
  control?: ErrorControl;
  position?: number | null;
}

/** The `overlay` trait (media controls), as Python may set it: every field optional. */
export interface OverlayDict {
  hidden_classes?: Record<string, number[]>;
  hidden_layers?: string[];
  score_min?: Record<string, number>;
  mask_opacity?: number;
  compare_style?: CompareStyle;
  /** boxes colored by class (default) or by match status (an evaluated table's boxes carry `status`) */
  color_by?: "class" | "status";
  /** layers holding ground truth, for the status colors (matched ground truth is drawn as its prediction) */
  truth_layers?: string[];
  [other: string]: unknown;
}

/** The `evaluation` trait: what the evaluation panel draws (docs/protocol.md, "Evaluation"). */
export interface EvaluationState {
  kind?: "detection" | "classification" | "segmentation";
  live?: boolean;
  threshold?: number | null;
  range?: { min: number; max: number; score: string } | null;
  headline?: [name: string, value: number | null][];
  classes?: {
    columns: string[];
    rows: (string | number | null)[][];
    filters: Record<string, string | null>[];
    values: (string | number)[];
    metric?: string;
  };
  confusion?: {
    labels: string[];
    values: number[][];
    rows: number[][];
    filters: (string | null)[][];
    unit: string;
  };
  chips?: { name: string; count: number; filter: string }[];
  layers?: { column: string; predictions: string; ground_truth: string } | null;
  compare?: EvaluationCompare | null;
  params?: Record<string, unknown>;
}

/** Two evaluation versions side by side (A = the table shown, B = the compared one). */
export interface EvaluationCompare {
  a: string;
  b: string;
  metrics: [name: string, a: number | null, b: number | null, delta: number | null][];
  regressions: {
    kind: "class" | "group";
    name: string;
    metric: string | null;
    a: number | null;
    b: number | null;
    delta: number | null;
    worse: string;
    better: string;
  }[];
  note: string | null;
}

/** An entry of the `saved_views` trait: a view kept beside the shown artifact (its latest revision). */
export interface SavedViewEntry {
  name: string;
  revision: number;
  description?: string;
  created_at?: string;
  /** the version it was saved on, e.g. "v3" */
  saved_on?: string;
}

/** The `notice` trait: `{}` or what the last view, edit or subset action reported. */
export interface Notice {
  message?: string;
  level?: "info" | "warning";
}

/** Every synced trait, by name. */
export interface Traits {
  filter: string;
  group_by: string[];
  sort: SortKey[];
  compare: string;
  quick_filter: QuickFilter;
  hidden_columns: string[];
  page_size: number;
  overlay: OverlayDict;
  recent_filters: string[];
  source_label: string;
  schema: SchemaColumn[];
  versions: VersionEntry[];
  tables: string[];
  num_rows: number;
  total_rows: number;
  mode: Mode;
  result_version: number;
  error: ErrorInfo;
  busy: boolean;
  selected_keys: number[];
  saved_views: SavedViewEntry[];
  current_view: string;
  notice: Notice;
  pending_edits: number;
  editable_columns: string[];
  panels: PanelEntry[];
  evaluation: EvaluationState;
  eval_threshold: number | null;
}
export type TraitName = keyof Traits;

// ---------------------------------------------------------------- cells

/** A box of an image, normalised to minX/maxX/minY/maxY in the domain it was logged in. */
export interface Box {
  minX?: number;
  maxX?: number;
  minY?: number;
  maxY?: number;
  /** W&B's nested form, accepted too */
  position?: { minX?: number; maxX?: number; minY?: number; maxY?: number; middle?: number[]; width?: number; height?: number; domain?: string };
  middle?: number[];
  width?: number;
  height?: number;
  domain?: string;
  class_id?: number;
  box_caption?: string;
  scores?: Record<string, number | null>;
  /** an evaluated table's match status: "tp" | "fp" | "fn" | "ignored" (null: below the threshold) */
  status?: string | null;
  /** the IoU with the box it matched */
  iou?: number | null;
}

/** The value of an `$image` cell. */
export interface ImageValue {
  key?: string;
  width?: number;
  height?: number;
  caption?: string | null;
  classes?: ImageClass[];
  boxes?: Record<string, Box[]>;
  /** layer -> mask key */
  masks?: Record<string, string | null>;
  error?: string;
}

/** The value of a `$media` cell: an audio, video, HTML, 3-D, Plotly or molecule cell. */
export interface MediaValue {
  kind: MediaKind;
  /** opaque key of the file (thumbs / waveforms / media requests); null when there is no file */
  key: string | null;
  format?: string | null;
  size?: number | null;
  caption?: string;
  error?: string;
  /** audio, video: seconds */
  duration?: number;
  sample_rate?: number;
  channels?: number;
  /** video */
  width?: number;
  height?: number;
  frames?: number;
  fps?: number;
  /** object3d: points (vertices of a mesh), faces, number of 3-D boxes */
  points?: number;
  faces?: number;
  boxes?: number;
  /** plotly */
  traces?: number;
  trace_types?: string[];
  /** molecule */
  atoms?: number;
}

/** The value of a `$medias` cell: a grouped media column (a histogram of one fact, a few samples). */
export interface MediasValue {
  kind: MediaKind;
  items: MediaValue[];
  field?: string;
  hist?: HistValue;
}

export interface NdarrayValue {
  shape?: number[];
  dtype?: string;
  values?: Cell[];
}

export interface HistValue {
  edges: Cell[];
  counts: number[][];
}

export interface CountsValue {
  values: Cell[];
  counts: number[][];
}

export type NumCell = { $num: "NaN" | "Infinity" | "-Infinity" };
export type DateCell = { $date: string };
export type NdarrayCell = { $ndarray: NdarrayValue };
export type ImageCell = { $image: ImageValue };
export type MediaCell = { $media: MediaValue };
export type MediasCell = { $medias: MediasValue };
export type HistCell = { $hist: HistValue };
export type CountsCell = { $counts: CountsValue };
export type ImagesCell = { $images: (ImageCell | ImageValue)[] };
export type CmpCell = { $cmp: [Cell, Cell] };
export type AbsentCell = { $absent: true };

/** A tagged cell: an object whose single key is one of the tags. */
export type TaggedCell = NumCell | DateCell | NdarrayCell | ImageCell | MediaCell | MediasCell | HistCell | CountsCell
  | ImagesCell | CmpCell | AbsentCell;
export type CellTag = "$num" | "$date" | "$ndarray" | "$image" | "$media" | "$medias" | "$hist" | "$counts" | "$images"
  | "$cmp" | "$absent";

/** A cell as JSON: plain values, lists and dicts, or a tagged cell. */
export type Cell = null | boolean | number | string | Cell[] | TaggedCell | { [key: string]: Cell };

/** A row of a `rows` answer. */
export interface Row {
  _key: number;
  cells: Record<string, Cell>;
  /** columns whose cell the kernel cut to keep the page small */
  truncated?: string[];
  /** columns whose cell shows a pending (uncommitted) edit */
  edited?: string[];
}

// ---------------------------------------------------------------- messages: browser -> kernel

export interface RowsRequest {
  type: "rows";
  id: number;
  result_version: number;
  offset: number;
  limit: number;
}
export interface ThumbsRequest {
  type: "thumbs";
  id: number;
  items: { key: string; size: number }[];
}
export interface ImageRequest {
  type: "image";
  id: number;
  key: string;
}
export interface MasksRequest {
  type: "masks";
  id: number;
  items: { key: string }[];
}
export interface AssetRequest {
  type: "asset";
  id: number;
  name: "plotly" | "three" | "markdown";
}
/** Which rows an export or a subset takes: those of the view, or the selected ones. */
export type RowChoice = "view" | "selected";
export type ExportFormat = "csv" | "parquet" | "json";
export interface SaveViewRequest {
  type: "save-view";
  id: number;
  name: string;
  description?: string;
}
export interface ApplyViewRequest {
  type: "apply-view";
  id: number;
  name: string;
  revision?: number;
}
export interface CodeRequest {
  type: "code";
  id: number;
}
export interface ExportRequest {
  type: "export";
  id: number;
  format: ExportFormat;
  rows: RowChoice;
}
export interface ReportRequest {
  type: "report";
  id: number;
  title?: string;
}
export interface LogRowsRequest {
  type: "log-rows";
  id: number;
  name: string;
  artifact_type?: string;
  rows: RowChoice;
  description?: string;
}
export interface EditRequest {
  type: "edit";
  id: number;
  key: number;
  column: string;
  /** the text typed in the cell editor; the kernel reads it by the column's kind */
  value: string;
}
export interface UndoEditRequest {
  type: "undo-edit";
  id: number;
}
export interface DiscardEditsRequest {
  type: "discard-edits";
  id: number;
}
export interface CommitEditsRequest {
  type: "commit-edits";
  id: number;
  description?: string;
}
export type ActionRequest =
  | SaveViewRequest
  | ApplyViewRequest
  | CodeRequest
  | ExportRequest
  | ReportRequest
  | LogRowsRequest
  | EditRequest
  | UndoEditRequest
  | DiscardEditsRequest
  | CommitEditsRequest;
export interface WaveformsRequest {
  type: "waveforms";
  id: number;
  items: { key: string; bins: number }[];
}
export interface MediaRequest {
  type: "media";
  id: number;
  items: { key: string }[];
}
export interface CellRequest {
  type: "cell";
  id: number;
  /** the row's `_key` */
  key: number | string;
  column: string;
}
export interface PanelRequest {
  type: "panel";
  id: number;
  name: string;
}
export type BrowserMessage = RowsRequest | ThumbsRequest | ImageRequest | MasksRequest | AssetRequest
  | WaveformsRequest | MediaRequest | CellRequest | PanelRequest | ActionRequest;
export type RequestType = BrowserMessage["type"];
/** A request's fields besides `type` and `id`. */
export type RequestPayload<T extends RequestType> = Omit<Extract<BrowserMessage, { type: T }>, "type" | "id">;

// ---------------------------------------------------------------- messages: kernel -> browser

export interface RowsAnswer {
  type: "rows";
  id: number;
  result_version: number;
  offset: number;
  total: number;
  rows: Row[];
}
/** One item of a thumbs / image / masks / waveforms / media answer: the bytes are `buffers[buffer]`. */
export type MediaItem =
  | { key: string; width?: number; height?: number; mime?: string; format?: string; bins?: number; buffer: number;
      error?: undefined }
  | { key: string; error: string; buffer?: undefined; mime?: undefined };
export interface MediaAnswer {
  type: "thumbs" | "image" | "masks" | "waveforms" | "media";
  id: number;
  items: MediaItem[];
}
/** `cell`: the whole text in `buffers[buffer]` (UTF-8). */
export interface CellAnswer {
  type: "cell";
  id: number;
  key: number | string;
  column: string;
  chars: number;
  buffer: number;
}
/** `panel`: the module source in `buffers[buffer]` (UTF-8). */
export interface PanelAnswer {
  type: "panel";
  id: number;
  name: string;
  digest: string;
  buffer: number;
}
export interface AssetAnswer {
  type: "asset";
  id: number;
  name: string;
  buffer: number;
}
export interface ErrorAnswer {
  type: "error";
  id: number;
  message: string;
}
export interface SaveViewAnswer {
  type: "save-view";
  id: number;
  name: string;
  revision: number;
}
export interface ApplyViewAnswer {
  type: "apply-view";
  id: number;
  name: string;
  /** column -> the parts of the view that name it, for columns the shown version lacks */
  missing: Record<string, string[]>;
}
export interface CodeAnswer {
  type: "code";
  id: number;
  code: string;
}
/** A file for the browser to save (an export or a report): its bytes are `buffers[buffer]`. */
export interface FileAnswer {
  type: "export" | "report";
  id: number;
  name: string;
  mime: string;
  format?: ExportFormat;
  rows?: number;
  buffer: number;
}
export interface LogRowsAnswer {
  type: "log-rows";
  id: number;
  spec: string;
  count: number;
}
export interface EditAnswer {
  type: "edit";
  id: number;
  key: number;
  column: string;
  /** the edited value as the kernel will store it */
  cell: Cell;
  pending: number;
}
export interface UndoEditAnswer {
  type: "undo-edit";
  id: number;
  key: number | null;
  column: string | null;
  pending: number;
}
export interface DiscardEditsAnswer {
  type: "discard-edits";
  id: number;
  pending: number;
}
export interface CommitEditsAnswer {
  type: "commit-edits";
  id: number;
  spec: string;
  version: string;
}
export type ActionAnswer =
  | SaveViewAnswer
  | ApplyViewAnswer
  | CodeAnswer
  | FileAnswer
  | LogRowsAnswer
  | EditAnswer
  | UndoEditAnswer
  | DiscardEditsAnswer
  | CommitEditsAnswer;
/** The answer message of each request type. */
export interface AnswerMap {
  rows: RowsAnswer;
  thumbs: MediaAnswer;
  image: MediaAnswer;
  masks: MediaAnswer;
  asset: AssetAnswer;
  waveforms: MediaAnswer;
  media: MediaAnswer;
  cell: CellAnswer;
  panel: PanelAnswer;
  "save-view": SaveViewAnswer;
  "apply-view": ApplyViewAnswer;
  code: CodeAnswer;
  export: FileAnswer;
  report: FileAnswer;
  "log-rows": LogRowsAnswer;
  edit: EditAnswer;
  "undo-edit": UndoEditAnswer;
  "discard-edits": DiscardEditsAnswer;
  "commit-edits": CommitEditsAnswer;
}
/** The answer message to a request of type T. */
export type AnswerOf<T extends RequestType> = AnswerMap[T];
export type KernelMessage = RowsAnswer | MediaAnswer | AssetAnswer | CellAnswer | PanelAnswer | ErrorAnswer
  | ActionAnswer;

/** A binary buffer as anywidget hands it over. */
export type Buffer = ArrayBuffer | DataView | ArrayBufferView;

// ---------------------------------------------------------------- the anywidget model proxy

export type ChangeEvent = `change:${TraitName}`;

/** What the front end uses of anywidget's model proxy. */
export interface Model {
  get<K extends TraitName>(name: K): Traits[K] | undefined | null;
  set<K extends TraitName>(name: K, value: Traits[K]): void;
  save_changes(): void;
  send(msg: BrowserMessage, callbacks?: unknown, buffers?: ArrayBuffer[]): void;
  on(event: ChangeEvent, callback: () => void): void;
  on(event: "msg:custom", callback: (msg: KernelMessage, buffers?: Buffer[]) => void): void;
  off(event: ChangeEvent, callback: () => void): void;
  off(event: "msg:custom", callback: (msg: KernelMessage, buffers?: Buffer[]) => void): void;
}

/** The arguments of anywidget's `render`. */
export interface RenderProps {
  model: Model;
  el: HTMLElement;
}
