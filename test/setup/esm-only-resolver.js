// Jest resolves require() with the "require"/"default" export conditions, so packages whose
// `exports` offer only an "import" entry (bencode, bittorrent-peerid, string2compact, uint8-util…,
// pulled in by bittorrent-tracker's server) are "not found". Retry those with the conditions an
// ES import would use; jest.config.js's ESM_PACKAGES then compiles them to CommonJS.
module.exports = (request, options) => {
  try {
    return options.defaultResolver(request, options);
  } catch (err) {
    try {
      return options.defaultResolver(request, { ...options, conditions: ['import', 'node', 'default'] });
    } catch {
      throw err;
    }
  }
};
