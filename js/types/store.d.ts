// The store browser's side of docs/protocol.md ("The store browser"): its traits, its messages, and the data they
// carry (tablelens.artifacts.catalog). Types only.

import type { Buffer } from "./protocol";

export interface VersionSummary {
  version: string;
  aliases: string[];
  created_at?: string | null;
  digest?: string;
  size?: number;
  files?: number;
  tables?: string[];
  run?: string | null;
  description?: string | null;
  edited?: boolean;
  /** the manifest could not be read */
  error?: string;
}

export interface ArtifactSummary {
  name: string;
  type: string;
  count: number;
  versions: VersionSummary[];
  aliases: Record<string, string>;
  /** bytes of every file of every version */
  size: number;
  /** bytes of the distinct objects of its versions */
  stored: number;
  created_at?: string | null;
  updated_at?: string | null;
}

export interface Overview {
  store?: string;
  artifacts?: ArtifactSummary[];
  size?: number;
  stored?: number;
  runs?: number;
}

export interface RunSummary {
  id: string;
  name?: string | null;
  project?: string | null;
  job_type?: string | null;
  started_at?: string | null;
  finished_at?: string | null;
  used?: string[];
  produced?: string[];
  config?: Record<string, unknown>;
}

export interface TableInfo {
  name: string;
  kind: "table" | "joined";
  rows?: number;
  columns?: { name: string; kind: string }[];
  edited_columns?: string[];
  table1?: string;
  table2?: string;
  join_key?: unknown;
  error?: string;
}

export interface EditEntry {
  revision: number;
  description?: string | null;
  metadata?: Record<string, unknown>;
  edited_at?: string | null;
}

export interface AliasMove {
  alias: string;
  version: string | null;
  previous: string | null;
  at: string;
}

/** The `detail` trait: what is selected, read by the kernel. */
export type Detail =
  | Record<string, never>
  | ({ kind: "version"; key: string; spec: string; name: string; version: string; type: string; digest: string;
       created_at?: string | null; description?: string | null; metadata: Record<string, unknown>;
       aliases: string[]; size: number; files: { path: string; size?: number; digest: string; ref?: string }[];
       file_count: number; tables: TableInfo[]; made_by: RunSummary | null; used_by: RunSummary[];
       edits: EditEntry[]; alias_moves: AliasMove[] })
  | ({ kind: "run"; key: string } & RunSummary)
  | ({ kind: "artifact"; key: string } & ArtifactSummary)
  | { kind: "job"; key: string; job_type: string; runs: RunSummary[] }
  | { kind: "error"; key: string; message: string };

export interface StoreTraits {
  store_dir: string;
  overview: Overview;
  selected: string;
  detail: Detail;
  view: "list" | "graph";
  explode: boolean;
  graph_version: number;
  busy: boolean;
  notice: { level?: "info" | "error"; message?: string };
  opened: string;
}
export type StoreTraitName = keyof StoreTraits;

/** A node of the exploded graph the kernel sends (a version or a run). */
export interface GraphNode {
  id: string;
  kind: "version" | "run" | "artifact" | "job";
  /** the collapsed node it belongs to: "artifact:<name>" or "job:<job type>" */
  group: string;
  name?: string | null;
  version?: string;
  type?: string;
  aliases?: string[];
  job_type?: string | null;
  project?: string | null;
  created_at?: string | null;
  started_at?: string | null;
  /** collapsed nodes: how many versions or runs they stand for */
  count?: number;
}
export interface GraphEdge {
  source: string;
  target: string;
  kind: "used" | "produced";
}
export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** Messages the browser sends: a request id and a type. */
export type StoreRequest =
  | { type: "graph"; id: number }
  | { type: "asset"; id: number; name: "graph-layout" }
  | { type: "action"; id: number; action: "alias"; spec: string; alias: string }
  | { type: "action"; id: number; action: "remove-alias"; name: string; alias: string }
  | { type: "action"; id: number; action: "delete"; spec: string; force?: boolean }
  | { type: "action"; id: number; action: "edit"; spec: string; description?: string; metadata?: string }
  | { type: "action"; id: number; action: "open"; spec: string; table?: string }
  | { type: "action"; id: number; action: "refresh" };
export type StoreRequestType = StoreRequest["type"];

/** The kernel's answers, by the request's id. */
export type StoreAnswer =
  | { type: "graph"; id: number; graph: Graph }
  | { type: "asset"; id: number; name: string; buffer: number }
  | { type: "action"; id: number; ok: boolean; message: string }
  | { type: "error"; id: number; message: string };

/** The part of the anywidget model proxy the store browser uses. */
export interface StoreModel {
  get<K extends StoreTraitName>(name: K): StoreTraits[K];
  set<K extends StoreTraitName>(name: K, value: StoreTraits[K]): void;
  save_changes(): void;
  send(msg: StoreRequest): void;
  on(event: string, handler: (...args: any[]) => void): void;
  off(event: string, handler?: (...args: any[]) => void): void;
}

/** A computed layout: node centers and sizes, edge polylines, the drawing's size. */
export interface LayoutResult {
  width: number;
  height: number;
  nodes: Record<string, { x: number; y: number; width: number; height: number }>;
  edges: { source: string; target: string; points: { x: number; y: number }[] }[];
}

/** The layout asset (js/assets/graph-layout.js). */
export interface LayoutModule {
  layout(graph: Graph, sizes: Record<string, { width: number; height: number }>): LayoutResult;
}

export type { Buffer };
