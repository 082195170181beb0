import { isDatabaseUnavailable } from './connection-errors';

describe('isDatabaseUnavailable', () => {
  it('recognises a terminated or unreachable connection, however it surfaces', () => {
    const terminated = Object.assign(new Error('Raw query failed. Code: `57P01`.'), {
      name: 'PrismaClientKnownRequestError',
      code: 'P2010',
      meta: { driverAdapterError: { cause: { kind: 'postgres', code: '57P01', originalCode: '57P01' } } },
    });
    const closed = Object.assign(new Error('Server has closed the connection.'), { code: 'P1017' });
    const adapter = Object.assign(new Error('x'), {
      meta: { driverAdapterError: { cause: { kind: 'ConnectionClosed' } } },
    });
    const pg = new Error('Client has encountered a connection error and is not queryable');
    const pgCode = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const init = Object.assign(new Error("Can't reach database server"), { name: 'PrismaClientInitializationError' });
    for (const err of [terminated, closed, adapter, pg, pgCode, init]) expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it('leaves query errors alone', () => {
    const unique = Object.assign(new Error('Unique constraint failed'), { code: 'P2002' });
    const syntax = Object.assign(new Error('syntax error'), { code: '42601' });
    for (const err of [unique, syntax, new Error('boom'), null, 'text']) expect(isDatabaseUnavailable(err)).toBe(false);
  });
});
