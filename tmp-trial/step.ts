import * as lib from './lib';
(async () => {
  const mod = await import(process.argv[2].startsWith('/') ? process.argv[2] : './' + process.argv[2]);
  const { page } = await lib.connect();
  try { await (mod.default.default ?? mod.default)(page, lib); } catch (e) { console.error('ERR', e); await lib.shot(page, 'err'); }
  process.exit(0);
})();
