import { canonicalParams, Params, parseStripeParams } from './form-params';

describe('parseStripeParams', () => {
  it('nests bracketed keys and turns indexed segments into arrays', () => {
    const body =
      'mode=payment&line_items[0][price_data][currency]=eur&line_items[0][price_data][unit_amount]=1299' +
      '&line_items[0][price_data][product_data][name]=Film%20%26%20Co&line_items[0][quantity]=1' +
      '&line_items[1][quantity]=2&metadata[0]=zero&metadata[orderId]=o_1&expand[0]=payment_intent&expand[1]=x';
    expect(parseStripeParams(body)).toEqual({
      mode: 'payment',
      line_items: [
        { price_data: { currency: 'eur', unit_amount: '1299', product_data: { name: 'Film & Co' } }, quantity: '1' },
        { quantity: '2' },
      ],
      metadata: { '0': 'zero', orderId: 'o_1' },
      expand: ['payment_intent', 'x'],
    });
  });

  it('reads percent-encoded brackets and [] appends like the SDK and curl send them', () => {
    expect(parseStripeParams('expand%5B%5D=a&expand%5B%5D=b')).toEqual({ expand: ['a', 'b'] });
  });

  it('gives the same fingerprint regardless of key order', () => {
    expect(canonicalParams(parseStripeParams('a=1&b[c]=2'))).toBe(canonicalParams(parseStripeParams('b[c]=2&a=1')));
  });

  it('names the nested param in errors', () => {
    const p = new Params(parseStripeParams('line_items[0][quantity]=two'));
    const [item] = p.array('line_items') ?? [];
    expect(() => item.integer('quantity')).toThrow(
      expect.objectContaining({ param: 'line_items[0][quantity]', code: 'parameter_invalid_integer' }),
    );
    expect(() => p.rejectUnknown(['mode'])).toThrow('Received unknown parameter: line_items');
  });
});
