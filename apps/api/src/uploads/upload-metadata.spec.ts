import { parseUploadMetadata } from './upload-metadata';

describe('parseUploadMetadata', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('decodes base64 values, including keys without a value', () => {
    expect(parseUploadMetadata(`bundleId ${b64('b-1')},path ${b64('Amélie/film.mkv')},flag`)).toEqual({
      bundleId: 'b-1',
      path: 'Amélie/film.mkv',
      flag: '',
    });
    expect(parseUploadMetadata(undefined)).toEqual({});
  });

  it('rejects duplicate keys, extra fields and non-base64 values', () => {
    expect(parseUploadMetadata(`a ${b64('1')},a ${b64('2')}`)).toBeNull();
    expect(parseUploadMetadata('a b c')).toBeNull();
    expect(parseUploadMetadata('a not-base64!')).toBeNull();
  });
});
