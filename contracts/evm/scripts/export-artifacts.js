#!/usr/bin/env node
// Writes the ABI + bytecode the C# side reads, from forge's build output:
//   artifacts/<Name>.json = { contractName, abi, bytecode, deployedBytecode }
// Usage: node scripts/export-artifacts.js [targetDir]   (default: artifacts)
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const CONTRACTS = [
  { name: 'IntentEscrow', source: 'IntentEscrow.sol' },
  { name: 'TestToken', source: 'TestToken.sol' },
];

const target = path.resolve(process.argv[2] || path.join(root, 'artifacts'));
fs.mkdirSync(target, { recursive: true });
for (const { name, source } of CONTRACTS) {
  const built = path.join(root, 'out', source, `${name}.json`);
  if (!fs.existsSync(built)) {
    console.error(`export-artifacts: ${built} missing; run forge build first`);
    process.exit(1);
  }
  const forgeOut = JSON.parse(fs.readFileSync(built, 'utf8'));
  const artifact = {
    contractName: name,
    abi: forgeOut.abi,
    bytecode: forgeOut.bytecode.object,
    deployedBytecode: forgeOut.deployedBytecode.object,
  };
  if (!/^0x[0-9a-f]+$/.test(artifact.bytecode) || !/^0x[0-9a-f]+$/.test(artifact.deployedBytecode)) {
    console.error(`export-artifacts: ${name} has no plain bytecode (unlinked library?)`);
    process.exit(1);
  }
  fs.writeFileSync(path.join(target, `${name}.json`), JSON.stringify(artifact, null, 2) + '\n');
}
