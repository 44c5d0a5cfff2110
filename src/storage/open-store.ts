// The blob store of the configuration: DATA_DIR/blobs on disk, or an S3-compatible bucket.
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { BlobStore } from './blob-store.ts';
import { DiskBlobStore } from './disk-store.ts';

export async function openBlobStore(config: Config): Promise<BlobStore> {
  if (config.blobStore === 'disk') return new DiskBlobStore(join(config.dataDir, 'blobs'));
  const { S3BlobStore } = await import('./s3-store.ts');
  return new S3BlobStore({
    bucket: config.s3Bucket!,
    prefix: config.s3Prefix,
    client: {
      region: config.s3Region,
      ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}),
      forcePathStyle: config.s3ForcePathStyle,
      // unset: the AWS SDK's default chain (AWS_* variables, profiles, instance roles)
      ...(config.s3AccessKeyId && config.s3SecretAccessKey
        ? { credentials: { accessKeyId: config.s3AccessKeyId, secretAccessKey: config.s3SecretAccessKey } } : {}),
    },
  });
}
