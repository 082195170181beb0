import { FileStore } from '@tus/file-store';
import { join } from 'node:path';
import { chmodPrivate, mkdirPrivateSync } from '@keyseed/storage';

/**
 * @tus/file-store with private files: an upload in progress is an unreleased film in clear, so its
 * directory is 0700 and its bytes and metadata files 0600, whatever the process umask (the store
 * itself creates them with the umask's default modes).
 */
type Upload = Parameters<FileStore['create']>[0];

export class PrivateFileStore extends FileStore {
  constructor(options: ConstructorParameters<typeof FileStore>[0]) {
    mkdirPrivateSync(options.directory);
    super(options);
  }

  override async create(file: Upload): Promise<Upload> {
    const created = await super.create(file);
    const path = join(this.directory, file.id);
    await Promise.all([chmodPrivate(path), chmodPrivate(`${path}.json`)]);
    return created;
  }
}
