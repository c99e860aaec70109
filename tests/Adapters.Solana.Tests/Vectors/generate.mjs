// Generates kit-vectors.json with @solana/kit, @solana-program/token and @solana-program/system
// (the versions pinned in programs/solana/package.json) and the escrow program's own JS encoder
// (programs/solana/client/escrow.js): independent implementations for the C# codecs' tests.
// The tests only read the JSON; nothing runs this script at test time. To regenerate:
//   mkdir /tmp/kitvectors && ln -s <repo>/programs/solana/node_modules /tmp/kitvectors/node_modules
//   cp generate.mjs /tmp/kitvectors/ && node /tmp/kitvectors/generate.mjs <repo> > kit-vectors.json
import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import {
  AccountRole, address, appendTransactionMessageInstructions, compileTransaction, compressTransactionMessageUsingAddressLookupTables,
  createKeyPairFromPrivateKeyBytes, createTransactionMessage, getAddressDecoder, getAddressEncoder, getAddressFromPublicKey,
  getBase58Decoder, getBase58Encoder, getBase64EncodedWireTransaction, getProgramDerivedAddress, getShortU16Encoder, isOffCurveAddress,
  pipe, setTransactionMessageFeePayer, setTransactionMessageLifetimeUsingBlockhash, signBytes, signTransaction,
} from "@solana/kit";
import { AuthorityType, getSetAuthorityInstruction, findAssociatedTokenPda, getCreateAssociatedTokenIdempotentInstruction, getInitializeAccount3Instruction, getInitializeMint2Instruction, getMintToInstruction, getTransferInstruction, TOKEN_PROGRAM_ADDRESS } from "@solana-program/token";
import { getCreateAccountInstruction, getTransferSolInstruction } from "@solana-program/system";

const repo = process.argv[2];
const escrow = await import(pathToFileURL(`${repo}/programs/solana/client/escrow.js`).href);
const hex = (b) => Buffer.from(b).toString("hex");
const seed = (label) => createHash("sha256").update(label).digest();
const addrEnc = getAddressEncoder();
const addrDec = getAddressDecoder();
const b58enc = getBase58Encoder();
const b58dec = getBase58Decoder();

async function keyPair(label) {
  const s = seed(label);
  const kp = await createKeyPairFromPrivateKeyBytes(s, true);
  return { seed: hex(s), kp, address: await getAddressFromPublicKey(kp.publicKey) };
}

const out = {};

// Base58: edge cases (leading zeros, all-zero, max) and random lengths.
const b58Inputs = [[], [0], [0, 0, 0, 1], [255, 255, 255, 255], Array.from(seed("b58-32")), [0, 0, ...seed("b58-zeros").subarray(0, 20)], Array.from(seed("b58-64")).concat(Array.from(seed("b58-64b")))];
out.base58 = b58Inputs.map((b) => ({ hex: hex(Uint8Array.from(b)), text: b58dec.decode(Uint8Array.from(b)) }));

// compact-u16 (shortvec).
const su16 = getShortU16Encoder();
out.compactU16 = [0, 1, 127, 128, 255, 256, 16383, 16384, 32767, 65535].map((v) => ({ value: v, hex: hex(su16.encode(v)) }));

// Ed25519: seed -> public key (base58), signature over a message.
out.ed25519 = [];
for (const label of ["alice", "bob", "carol"]) {
  const k = await keyPair(label);
  const msg = new TextEncoder().encode(`discreteexec ${label} message`);
  out.ed25519.push({ seed: k.seed, address: k.address, messageHex: hex(msg), signatureHex: hex(await signBytes(k.kp.privateKey, msg)) });
}

// On-curve check: 64 pseudo-random 32-byte strings (about half are points) plus known keys.
out.onCurve = [];
for (let i = 0; i < 64; i++) {
  const bytes = seed(`curve-${i}`);
  out.onCurve.push({ hex: hex(bytes), onCurve: !isOffCurveAddress(addrDec.decode(bytes)) });
}

// PDAs and associated token addresses.
const program = escrow.PROGRAM_ID;
const mint = (await keyPair("mint")).address;
const wallet = (await keyPair("alice")).address;
const u64le = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; };
const u32le = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const pdaCases = [
  { name: "config", seeds: [Buffer.from("config")] },
  { name: "authority", seeds: [Buffer.from("authority")] },
  { name: "pool", seeds: [Buffer.from("pool"), Buffer.from(addrEnc.encode(mint))] },
  { name: "vault", seeds: [Buffer.from("vault"), Buffer.from(addrEnc.encode(mint))] },
  { name: "intent", seeds: [Buffer.from("intent"), seed("some-intent")] },
  { name: "receipt", seeds: [Buffer.from("receipt"), u64le(7), u32le(3)] },
  { name: "paid", seeds: [Buffer.from("paid"), seed("some-source")] },
  { name: "withdrawn", seeds: [Buffer.from("withdrawn"), seed("some-leaf")] },
  { name: "claim", seeds: [Buffer.from("claim"), Buffer.from(addrEnc.encode(wallet)), Buffer.from(addrEnc.encode(mint))] },
];
out.pdas = [];
for (const c of pdaCases) {
  const [a, bump] = await getProgramDerivedAddress({ programAddress: program, seeds: c.seeds });
  out.pdas.push({ name: c.name, programId: program, seedsHex: c.seeds.map(hex), address: a, bump });
}
out.ata = [];
for (const label of ["alice", "bob", "carol"]) {
  const owner = (await keyPair(label)).address;
  const [ata, bump] = await findAssociatedTokenPda({ owner, mint, tokenProgram: TOKEN_PROGRAM_ADDRESS });
  out.ata.push({ owner, mint, address: ata, bump });
}

// Instructions: SPL Token, System, associated token, escrow (its own JS encoder).
const fake = (a) => ({ address: a, signTransactions: async () => [] });
const serializeIx = (name, ix) => ({
  name, programId: ix.programAddress, dataHex: hex(ix.data ?? new Uint8Array()),
  accounts: ix.accounts.map((m) => ({ address: m.address, signer: m.role >= 2, writable: (m.role & 1) === 1 })),
});
const bob = (await keyPair("bob")).address;
const ataAlice = out.ata[0].address;
out.instructions = [];
out.instructions.push(serializeIx("token.initializeMint2", getInitializeMint2Instruction({ mint, decimals: 6, mintAuthority: wallet, freezeAuthority: null })));
out.instructions.push(serializeIx("token.initializeAccount3", getInitializeAccount3Instruction({ account: ataAlice, mint, owner: wallet })));
out.instructions.push(serializeIx("token.mintTo", getMintToInstruction({ mint, token: ataAlice, mintAuthority: fake(wallet), amount: 1_000_000n })));
out.instructions.push(serializeIx("token.transfer", getTransferInstruction({ source: ataAlice, destination: out.ata[1].address, authority: fake(wallet), amount: 42n })));
out.instructions.push(serializeIx("token.setAuthorityAccountOwner", getSetAuthorityInstruction({ owned: ataAlice, owner: fake(wallet), authorityType: AuthorityType.AccountOwner, newAuthority: bob })));
out.instructions.push(serializeIx("ata.createIdempotent", getCreateAssociatedTokenIdempotentInstruction({ payer: fake(wallet), ata: out.ata[1].address, owner: bob, mint })));
out.instructions.push(serializeIx("system.createAccount", getCreateAccountInstruction({ payer: fake(wallet), newAccount: fake(mint), lamports: 1461600n, space: 82n, programAddress: TOKEN_PROGRAM_ADDRESS })));
out.instructions.push(serializeIx("system.transfer", getTransferSolInstruction({ source: fake(wallet), destination: bob, amount: 5000n })));
out.instructions.push(serializeIx("escrow.initialize", await escrow.initializeIx({ admin: fake(wallet), chainId: 900001n, graceSeconds: 3600n, activationDelaySeconds: 7200n, threshold: 2, signers: [wallet, bob] })));
out.instructions.push(serializeIx("escrow.createPool", await escrow.createPoolIx({ admin: fake(wallet), mint })));
const open = await escrow.openIx({
  depositor: fake(wallet), sourceToken: ataAlice, mint, amount: 2_500_000n, destinationChainId: 31337n, outputToken: seed("out-token"),
  minOutputAmount: 2n ** 200n + 12345n, recipient: seed("recipient"), fillDeadline: 1767229200n, chainId: 900001n, nonce: 5n,
});
out.instructions.push({ ...serializeIx("escrow.open", open.instruction), intentIdHex: hex(open.intentId) });
out.instructions.push(serializeIx("escrow.fund", await escrow.fundIx({ funder: fake(wallet), source: ataAlice, mint, amount: 777n })));
// v2: a chunk carries Releases only, or no Release
const settleRelease = await escrow.settleIx({
  payer: fake(wallet), epoch: 7n, chunk: 2, batchRoot: seed("root"), attestors: [fake(wallet), fake(bob)], chainId: 900001n,
  actions: [{ kind: 0, intentId: seed("i0"), amount: 0n, intent: (await escrow.intentPda(seed("i0"))).address, mint }],
});
out.instructions.push(serializeIx("escrow.settleRelease", settleRelease));
const settle = await escrow.settleIx({
  payer: fake(wallet), epoch: 7n, chunk: 3, batchRoot: seed("root"), attestors: [fake(wallet), fake(bob)], chainId: 900001n,
  actions: [
    { kind: 1, intentId: seed("i1"), amount: 10n, intent: (await escrow.intentPda(seed("i1"))).address, mint, account: wallet, to: ataAlice },
    { kind: 2, intentId: seed("i2"), amount: 20n, mint, account: bob, to: out.ata[1].address },
    { kind: 3, amount: 30n, mint, account: out.ata[2].owner, to: out.ata[2].address },
  ],
});
out.instructions.push(serializeIx("escrow.settle", settle));
out.instructions.push(serializeIx("escrow.refundExpired", await escrow.refundExpiredIx({ intent: (await escrow.intentPda(seed("i1"))).address, mint, to: ataAlice })));
out.instructions.push(serializeIx("escrow.proposeSigners", await escrow.proposeSignersIx({ attestors: [fake(wallet), fake(bob)], threshold: 1, signers: [bob] })));
out.instructions.push(serializeIx("escrow.activateSigners", await escrow.activateSignersIx()));
out.instructions.push(serializeIx("escrow.proposeAdmin", await escrow.proposeAdminIx({ admin: fake(wallet), newAdmin: bob })));
out.instructions.push(serializeIx("escrow.acceptAdmin", await escrow.acceptAdminIx({ newAdmin: fake(bob) })));
out.instructions.push(serializeIx("escrow.claim", await escrow.claimIx({ owner: fake(wallet), mint, to: out.ata[1].address })));
out.instructions.push(serializeIx("escrow.setPaused", await escrow.setPausedIx({ admin: fake(wallet), paused: true })));
out.instructions.push(serializeIx("escrow.setDestinationChain", await escrow.setDestinationChainIx({ admin: fake(wallet), chainId: 31337n, enabled: true })));

// Transactions: legacy and v0 (with an address lookup table), signed by two keys.
const alice = await keyPair("alice");
const bobK = await keyPair("bob");
const blockhash = b58dec.decode(seed("blockhash"));
const txIxs = [
  getTransferSolInstruction({ source: fake(alice.address), destination: bob, amount: 5000n }),
  getTransferInstruction({ source: ataAlice, destination: out.ata[1].address, authority: fake(bobK.address), amount: 42n }),
  getCreateAssociatedTokenIdempotentInstruction({ payer: fake(alice.address), ata: out.ata[2].address, owner: out.ata[2].owner, mint }),
];
const baseMsg = (version) => pipe(createTransactionMessage({ version }), (m) => setTransactionMessageFeePayer(alice.address, m),
  (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash, lastValidBlockHeight: 100n }, m), (m) => appendTransactionMessageInstructions(txIxs, m));
async function txVector(name, message) {
  const tx = await signTransaction([alice.kp, bobK.kp], compileTransaction(message));
  return { name, wireBase64: getBase64EncodedWireTransaction(tx), messageHex: hex(tx.messageBytes) };
}
out.transactions = [];
out.transactions.push({ ...(await txVector("legacy", baseMsg("legacy"))), signers: [alice.seed, bobK.seed], blockhash, instructions: txIxs.map((ix, i) => serializeIx(`ix${i}`, ix)) });
const table = (await keyPair("lookup-table")).address;
const tableAddresses = [out.ata[2].address, mint, ataAlice, out.ata[1].address, out.ata[2].owner];
const v0 = compressTransactionMessageUsingAddressLookupTables(baseMsg(0), { [table]: tableAddresses });
out.transactions.push({ ...(await txVector("v0", v0)), signers: [alice.seed, bobK.seed], blockhash, lookupTable: { address: table, addresses: tableAddresses }, instructions: txIxs.map((ix, i) => serializeIx(`ix${i}`, ix)) });

// A settlement chunk as the C# submitter sends it with the escrow's lookup table: associated token accounts
// created idempotently, then a Settle of two Payouts signed by the payer (also an attestor) and a second attestor;
// every account that neither signs nor is invoked is loaded from the table.
const settleIxs = [
  getCreateAssociatedTokenIdempotentInstruction({ payer: fake(alice.address), ata: out.ata[1].address, owner: bob, mint }),
  getCreateAssociatedTokenIdempotentInstruction({ payer: fake(alice.address), ata: out.ata[2].address, owner: out.ata[2].owner, mint }),
  await escrow.settleIx({
    payer: fake(alice.address), epoch: 9n, chunk: 1, batchRoot: seed("root"), attestors: [fake(alice.address), fake(bobK.address)], chainId: 900001n,
    actions: [
      { kind: 2, intentId: seed("s1"), amount: 11n, mint, account: bob, to: out.ata[1].address },
      { kind: 2, intentId: seed("s2"), amount: 22n, mint, account: out.ata[2].owner, to: out.ata[2].address },
    ],
  }),
];
const settleProgramIds = new Set(settleIxs.map((ix) => ix.programAddress));
const settleTable = (await keyPair("settle-lookup-table")).address;
const settleSigners = new Set(settleIxs.flatMap((ix) => ix.accounts).filter((m) => m.role >= 2).map((m) => m.address));
const settleTableAddresses = [...new Set(settleIxs.flatMap((ix) => ix.accounts).map((m) => m.address).filter((a) => !settleSigners.has(a) && !settleProgramIds.has(a)))];
const settleMsg = compressTransactionMessageUsingAddressLookupTables(pipe(createTransactionMessage({ version: 0 }), (m) => setTransactionMessageFeePayer(alice.address, m),
  (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash, lastValidBlockHeight: 100n }, m), (m) => appendTransactionMessageInstructions(settleIxs, m)), { [settleTable]: settleTableAddresses });
out.transactions.push({ ...(await txVector("v0-settle", settleMsg)), signers: [alice.seed, bobK.seed], blockhash, feePayer: alice.address, lookupTable: { address: settleTable, addresses: settleTableAddresses }, instructions: settleIxs.map((ix, i) => serializeIx(`ix${i}`, ix)) });

// Address lookup table addresses: PDA [authority, recentSlot u64 LE] of the Address Lookup Table program.
const altProgram = address("AddressLookupTab1e1111111111111111111111111");
out.lookupTableAddresses = [];
for (const [label, slot] of [["alice", 0n], ["alice", 123456789n], ["bob", 18446744073709551615n]]) {
  const authority = (await keyPair(label)).address;
  const [a, bump] = await getProgramDerivedAddress({ programAddress: altProgram, seeds: [addrEnc.encode(authority), u64le(slot)] });
  out.lookupTableAddresses.push({ authority, slot: slot.toString(), address: a, bump });
}

// Intent id: the program README's EVM cross-check vector and the dev node program id.
out.intentIds = [
  { chainId: "31337", escrowHex: "0000000000000000000000005fbdb2315678afecb367f032d93f642f64180aa3", nonce: "0", idHex: hex(escrow.intentId(31337n, Buffer.from("0000000000000000000000005fbdb2315678afecb367f032d93f642f64180aa3", "hex"), 0n)) },
  { chainId: "900001", escrowHex: hex(addrEnc.encode(program)), nonce: "5", idHex: hex(escrow.intentId(900001n, program, 5n)) },
];
console.log(JSON.stringify(out, null, 1));
