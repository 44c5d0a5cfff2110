// The Unicat asset object as the API sends it (docs/dialects/unicat.md).
export interface Asset {
  gid: string;
  pathname: string;
  path: string;
  name: string;
  is_file: boolean;
  type: string | null;
  childcount: number;
  status: string;
  info: Record<string, unknown>;
  transforms: unknown;
  title: Record<string, string>;
  description: Record<string, string>;
  updated_on: number;
  created_on: number;
  parent: string | null;
  is_deleted: boolean;
  version: number;
}

/** One page of a list of assets: the gids of the window, the total and the asset objects. */
export interface AssetPage { gids: string[]; total: number; assets: Record<string, Asset> }

export interface JobInfo { total?: number; remaining?: number; done?: number; failed?: Record<string, number>; cancelled?: boolean; reason?: string }

export interface Job {
  token: string;
  job: string;
  status: 'queued' | 'processing' | 'done' | 'rejected';
  info: JobInfo;
  created_on?: number;
  updated_on?: number;
  /** the console's own samples of (time ms, processed) for the rate */
  samples?: [number, number][];
}

export interface FeedEvent {
  type: string;
  cursor: number;
  action: 'INSERT' | 'UPDATE' | 'DELETE';
  data_type: string;
  data_key: string;
  data?: Record<string, unknown>;
}

export interface Library {
  id: string;
  name: string;
  description: string;
  owner: string;
  ownerId: string;
  owned: boolean;
  count: number;
  modified: string;
}
