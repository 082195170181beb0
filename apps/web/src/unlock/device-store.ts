import { deviceKeyFrom, generateDeviceKey, type DeviceKey, type StoredDeviceKey } from './device-key';

/**
 * The browser's device key and its registrations (license id → device id), in IndexedDB. The key
 * is made once per browser profile; a WebCrypto private key is stored as the non-extractable
 * CryptoKey itself. Registrations are kept per API origin: one browser may use several platforms.
 */
const DB_NAME = 'keyseed-device';
const STORE = 'device';
const KEY_RECORD = 'key';

export interface DeviceStore {
  /** The device key, made on first use. */
  key(): Promise<DeviceKey>;
  /** The device id this browser has on `licenseId`, or null. */
  registration(licenseId: string): Promise<string | null>;
  saveRegistration(licenseId: string, deviceId: string): Promise<void>;
  forgetRegistration(licenseId: string): Promise<void>;
}

/** The IndexedDB-backed store (the page). */
export function indexedDbDeviceStore(factory: IDBFactory = indexedDB): DeviceStore {
  let db: Promise<IDBDatabase> | null = null;
  const open = () =>
    (db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('IndexedDB did not open'));
    }));
  const run = async <T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest): Promise<T> => {
    const tx = (await open()).transaction(STORE, mode);
    const req = op(tx.objectStore(STORE));
    return new Promise<T>((resolve, reject) => {
      tx.oncomplete = () => resolve(req.result as T);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
  };
  let key: Promise<DeviceKey> | null = null;
  return {
    key: () =>
      (key ??= (async () => {
        const stored = await run<StoredDeviceKey | undefined>('readonly', (s) => s.get(KEY_RECORD));
        if (stored) return deviceKeyFrom(stored);
        const made = await generateDeviceKey();
        try {
          await run('readwrite', (s) => s.add(made.stored, KEY_RECORD));
          return made;
        } catch (err) {
          // Another tab stored its key first: use that one, so the browser stays one device.
          const theirs = await run<StoredDeviceKey | undefined>('readonly', (s) => s.get(KEY_RECORD));
          if (theirs) return deviceKeyFrom(theirs);
          throw err;
        }
      })().catch((err: unknown) => {
        key = null;
        throw err;
      })),
    registration: async (licenseId) =>
      (await run<string | undefined>('readonly', (s) => s.get(registrationKey(licenseId)))) ?? null,
    saveRegistration: async (licenseId, deviceId) => {
      await run('readwrite', (s) => s.put(deviceId, registrationKey(licenseId)));
    },
    forgetRegistration: async (licenseId) => {
      await run('readwrite', (s) => s.delete(registrationKey(licenseId)));
    },
  };
}

function registrationKey(licenseId: string): string {
  return `license:${location.origin}:${licenseId}`;
}
