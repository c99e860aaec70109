// Deployment of build/escrow.so through the real upgradeable BPF loader in
// LiteSVM (buffer, writes, DeployWithMaxDataLen), then a full Open/Settle
// round against the deployed program id.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { AccountRole, address, generateKeyPairSigner, getProgramDerivedAddress, lamports } from "@solana/kit";
import { getCreateAccountInstruction } from "@solana-program/system";
import * as E from "../client/escrow.js";
import { Harness, SO_PATH } from "./harness.js";

const LOADER = address("BPFLoaderUpgradeab1e11111111111111111111111");
const RENT = address("SysvarRent111111111111111111111111111111111");
const CLOCK = address("SysvarC1ock11111111111111111111111111111111");
const BUFFER_HEADER = 37;
const PROGRAM_SIZE = 36;
const CHUNK = 900;

const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; };

/** Deploys `so` at a fresh program id with `payer` as upgrade authority; returns the id. */
async function deployUpgradeable(h, so) {
  const payer = h.payer;
  const buffer = await generateKeyPairSigner();
  const program = await generateKeyPairSigner();
  const rent = (n) => lamports(h.svm.minimumBalanceForRentExemption(BigInt(n)));
  const ok = (r, what) => assert.equal(r.ok, true, `${what}: ${r.err}\n${r.logs?.join("\n")}`);

  ok(await h.send([
    getCreateAccountInstruction({ payer, newAccount: buffer, lamports: rent(BUFFER_HEADER + so.length), space: BUFFER_HEADER + so.length, programAddress: LOADER }),
    { programAddress: LOADER, accounts: [{ address: buffer.address, role: AccountRole.WRITABLE }, { address: payer.address, role: AccountRole.READONLY }], data: u32(0) },
  ]), "create buffer");
  for (let off = 0; off < so.length; off += CHUNK) {
    const bytes = so.subarray(off, off + CHUNK);
    ok(await h.send({
      programAddress: LOADER,
      accounts: [{ address: buffer.address, role: AccountRole.WRITABLE }, { address: payer.address, role: AccountRole.READONLY_SIGNER, signer: payer }],
      data: Buffer.concat([u32(1), u32(off), u64(bytes.length), bytes]),
    }), `write @${off}`);
  }
  const [programData] = await getProgramDerivedAddress({ programAddress: LOADER, seeds: [E.keyBytes(program.address)] });
  ok(await h.send([
    getCreateAccountInstruction({ payer, newAccount: program, lamports: rent(PROGRAM_SIZE), space: PROGRAM_SIZE, programAddress: LOADER }),
    {
      programAddress: LOADER,
      accounts: [
        { address: payer.address, role: AccountRole.WRITABLE_SIGNER, signer: payer },
        { address: programData, role: AccountRole.WRITABLE },
        { address: program.address, role: AccountRole.WRITABLE },
        { address: buffer.address, role: AccountRole.WRITABLE },
        { address: RENT, role: AccountRole.READONLY },
        { address: CLOCK, role: AccountRole.READONLY },
        { address: E.SYSTEM_PROGRAM, role: AccountRole.READONLY },
        { address: payer.address, role: AccountRole.READONLY_SIGNER, signer: payer },
      ],
      data: Buffer.concat([u32(2), u64(so.length * 2)]),
    },
  ]), "deploy");
  // a program deployed in a slot becomes executable from the next one
  h.svm.warpToSlot(h.svm.getClock().slot + 2n);
  return { programId: program.address, programData };
}

test("Deploy_ThroughUpgradeableLoader_ProgramRuns", async () => {
  const h = await Harness.create({ load: false });
  const so = readFileSync(SO_PATH);
  const { programId, programData } = await deployUpgradeable(h, so);
  const prog = h.account(programId);
  assert.equal(prog.programAddress, LOADER);
  assert.equal(prog.executable, true);
  assert.equal(h.account(programData).programAddress, LOADER);

  h.programId = programId;
  const signer = await h.funded();
  await h.initialize({ signers: [signer], threshold: 1 });
  const mint = await h.newMint();
  await h.createPool(mint);
  const user = await h.user(mint, 1_000_000n);
  const opened = await h.open(user, mint, { amount: 400_000n });
  assert.equal(opened.ok, true, opened.err);
  assert.deepEqual(opened.intentId, E.intentId(900001n, programId, 0n));
  const s = await E.settleIx({ payer: signer, epoch: 1n, chunk: 0, batchRoot: new Uint8Array(32), attestors: [signer], programId,
    actions: [{ kind: E.ACTION.refund, intentId: opened.intentId, intent: opened.intent, amount: 400_000n, mint, to: user.token, account: user.signer.address,
      pool: (await E.poolPda(mint, programId)).address, vault: (await E.vaultPda(mint, programId)).address }] });
  const r = await h.send(s, { payer: signer });
  assert.equal(r.ok, true, `${r.err}\n${r.logs.join("\n")}`);
  assert.equal(h.tokenBalance(user.token), 1_000_000n);
});
