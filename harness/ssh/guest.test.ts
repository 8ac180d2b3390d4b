import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { makeClientKey, publicKeyBlob } from './guest.js';

const { utils } = ssh2;

describe('makeClientKey', () => {
  it('never returns a key ssh2 cannot parse (its generator makes one in 256: mscdex/ssh2#1390)', () => {
    // A real malformed pair from ssh2's own generator, drawn first.
    let bad: { private: string; public: string } | null = null;
    for (let i = 0; i < 20_000 && !bad; i++) {
      const k = utils.generateKeyPairSync('ed25519', { comment: 'kph' });
      if (utils.parseKey(k.private) instanceof Error) bad = k;
    }
    expect(bad, 'ssh2 generated no malformed key in 20000: the upstream bug is fixed, drop the check').not.toBeNull();
    const draws = [bad!];
    const key = makeClientKey(() => draws.shift() ?? utils.generateKeyPairSync('ed25519', { comment: 'kph' }));
    expect(key.privateKey).not.toBe(bad!.private);
    expect(utils.parseKey(key.privateKey)).not.toBeInstanceOf(Error);
  });
  it('gives parseable keys with a whole 32-byte public key, every time', () => {
    for (let i = 0; i < 1500; i++) {
      const k = makeClientKey();
      expect(utils.parseKey(k.privateKey)).not.toBeInstanceOf(Error);
      // string "ssh-ed25519" (4 + 11) + string key (4 + 32)
      expect(publicKeyBlob(k.publicKey).length).toBe(51);
    }
  });
  it('gives up, saying why, when the generator only makes bad keys', () => {
    let bad: { private: string; public: string } | null = null;
    for (let i = 0; i < 20_000 && !bad; i++) {
      const k = utils.generateKeyPairSync('ed25519', { comment: 'kph' });
      if (utils.parseKey(k.private) instanceof Error) bad = k;
    }
    expect(bad).not.toBeNull();
    expect(() => makeClientKey(() => bad!)).toThrow(/8 ed25519 keys in a row that it cannot parse/);
  });
});
