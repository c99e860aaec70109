// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "./base/Test.sol";
import {IntentEscrow} from "../src/IntentEscrow.sol";
import {TestToken} from "../src/test-tokens/TestToken.sol";

// Byte-format vectors computed OUTSIDE Solidity with cast 1.7.1, run from contracts/evm with
// CAST=node_modules/@foundry-rs/cast-linux-amd64/bin/cast
/// Byte-format vectors computed outside Solidity (cast commands beside each constant). The escrow is deployed at a fixed
/// address (CREATE by DEPLOYER at nonce 0) on chain id 31337, so every value below is reproducible
/// by any client (the C# codec tests can reuse them).
contract VectorsTest is Test {
    uint256 internal constant CHAIN_ID = 31337;
    address internal constant DEPLOYER = 0x000000000000000000000000000000000000De01;

    // $CAST compute-address 0x000000000000000000000000000000000000dE01 --nonce 0
    address internal constant ESCROW = 0x9890aa0A0fC06237AfF1f8AEd1c2cB40B0862Bd1;

    // $CAST keccak $($CAST abi-encode "f(uint256,bytes32,uint256)" 31337 \
    //   0x0000000000000000000000009890aa0a0fc06237aff1f8aed1c2cb40b0862bd1 0)
    bytes32 internal constant INTENT_ID_NONCE_0 = 0x51e5b732484b846dab1020602a1d863fc9027c4b130ed31c23918841afe4a0f1;

    address internal constant TOKEN = 0x2222222222222222222222222222222222222222;
    address internal constant RECIPIENT = 0x3333333333333333333333333333333333333333;
    bytes32 internal constant SOURCE_ID = 0x1111111111111111111111111111111111111111111111111111111111111111;
    uint256 internal constant AMOUNT = 1234567890;
    uint64 internal constant EPOCH = 7;
    uint32 internal constant CHUNK = 3;
    bytes32 internal constant BATCH_ROOT = 0xabababababababababababababababababababababababababababababababab;

    // TOKEN32=$($CAST abi-encode "f(address)" 0x2222222222222222222222222222222222222222)
    // $CAST keccak $($CAST abi-encode "f(uint64,uint64,uint8,bytes32,bytes32,bytes32,uint256)" 31337 7 0 \
    //   0x51e5b732484b846dab1020602a1d863fc9027c4b130ed31c23918841afe4a0f1 $TOKEN32 \
    //   0x0000000000000000000000000000000000000000000000000000000000000000 0)
    bytes32 internal constant LEAF_RELEASE = 0xbd19a232ab094fcbe4a2e21090da31f991bfb382dead340084dbc889ccd07c3d;

    // ACCT32=$($CAST abi-encode "f(address)" 0x3333333333333333333333333333333333333333)
    // $CAST keccak $($CAST abi-encode "f(uint64,uint64,uint8,bytes32,bytes32,bytes32,uint256)" 31337 7 2 \
    //   0x1111111111111111111111111111111111111111111111111111111111111111 $TOKEN32 $ACCT32 1234567890)
    bytes32 internal constant LEAF_PAYOUT = 0xdc84ba6862c321f2ce73960e1b275c8775cdb8398c9856074bbef50ca29e561e;

    // $CAST keccak $($CAST concat-hex $LEAF_RELEASE $LEAF_PAYOUT)
    bytes32 internal constant CHUNK_HASH = 0xffb7115d37b44e1079d247290ee489507ffd604e77e67d5f04922a7eafa88a39;

    // DOMAIN_TYPEHASH=$($CAST keccak "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    // $CAST keccak $($CAST abi-encode "f(bytes32,bytes32,bytes32,uint256,address)" $DOMAIN_TYPEHASH \
    //   $($CAST keccak "DiscreteExec") $($CAST keccak "1") 31337 0x9890aa0A0fC06237AfF1f8AEd1c2cB40B0862Bd1)
    bytes32 internal constant DOMAIN_SEPARATOR = 0xc42c54c8b51f48407628f1d452ab16d324541b9bdf33599366f928aa8ca0b0dd;

    // $CAST keccak "Leg(uint64 epochId,uint32 chunk,bytes32 chunkHash,bytes32 batchRoot,uint64 signerSetVersion)"
    bytes32 internal constant LEG_TYPEHASH = 0x97a790092339afce220da4173463eac62bc487d85fc591a90051f919953e828b;

    // Signer-set version 1 (the constructor's set). LT=$LEG_TYPEHASH, DS=$DOMAIN_SEPARATOR
    // STRUCT=$($CAST keccak $($CAST abi-encode "f(bytes32,uint64,uint32,bytes32,bytes32,uint64)" $LT 7 3 \
    //   $CHUNK_HASH 0xabababababababababababababababababababababababababababababababab 1))
    // $CAST keccak $($CAST concat-hex 0x1901 $DS $STRUCT)
    bytes32 internal constant LEG_DIGEST = 0x52729c4063853a4ac277a7ae4eaf5082cb60559ed7e0ff7bc55ac9b793702f55;

    // A Release-only chunk (v2 never mixes Releases with transfers): chunk 0 = [the release leaf].
    // $CAST keccak $LEAF_RELEASE
    bytes32 internal constant RELEASE_CHUNK_HASH = 0x93bb99e488a71eb9776ddc5a26f607127cea6c10fa342857e552c462d72ccd52;
    // as LEG_DIGEST with chunk 0 and $RELEASE_CHUNK_HASH
    bytes32 internal constant RELEASE_LEG_DIGEST = 0x2d110bb5568fc4624ea86e023d788f54676add9d7a1f67527baa959f1378bfd4;

    // $CAST wallet address --private-key 0x00..0051
    address internal constant SIGNER = 0xafd46e3549CC63d7a240D6177D056857679e6F99;
    // $CAST wallet sign --no-hash --private-key 0x00..0051 $RELEASE_LEG_DIGEST
    // and, independently of the hand-made encoding above, cast's own EIP-712 encoder gives the
    // same signature: $CAST wallet sign --data --from-file --private-key 0x00..0051 test/vectors/leg-v2.json
    bytes internal constant RELEASE_SIGNATURE =
        hex"a1de9763bf0b9f3e32e6a4b596745f2d4d708fea42c2d0f0835c463eaf1f23600edac564e25743c2bc45b8712bb652d7a3118e647010700d83a063e3632a19ba1b";

    // $CAST keccak "SignerSet(uint64 version,address[] signers,uint8 threshold,uint64 activatesAt)"
    bytes32 internal constant SIGNER_SET_TYPEHASH = 0x5e79070d8327f43c2002f60e8c82c3e9cb110eb6721dca6067ae97ee2c895d4e;
    // Version 2 = [0x3333.., SIGNER] (ascending), threshold 1, activatesAt 1767232800 (T0 + 2 h).
    // SH=$($CAST keccak $($CAST abi-encode "f(address,address)" 0x3333333333333333333333333333333333333333 $SIGNER))
    // STRUCT=$($CAST keccak $($CAST abi-encode "f(bytes32,uint64,bytes32,uint8,uint64)" $SIGNER_SET_TYPEHASH 2 $SH 1 1767232800))
    // $CAST keccak $($CAST concat-hex 0x1901 $DS $STRUCT)
    bytes32 internal constant SIGNER_SET_DIGEST = 0xce0c608cdc780f25a1e9546a27bc4a9d91175574a43240c1b5b7d27e3150875b;
    uint64 internal constant ACTIVATES_AT = 1_767_232_800;
    // $CAST wallet sign --no-hash --private-key 0x00..0051 $SIGNER_SET_DIGEST, equal to
    // $CAST wallet sign --data --from-file --private-key 0x00..0051 test/vectors/signer-set.json
    bytes internal constant SIGNER_SET_SIGNATURE =
        hex"fa55bf24cc4f25bfd8c754fe732f04779985354fe4cf18077b4d27178e4aa18f6ae1f21f5cdea7a646ed609bf36d605926207c1e25d74851d0abf520ebc4f57e1c";

    IntentEscrow internal escrow;

    function setUp() public {
        vm.chainId(CHAIN_ID);
        vm.warp(1_767_225_600);
        address[] memory signerSet = new address[](1);
        signerSet[0] = SIGNER;
        uint64[] memory dests = new uint64[](1);
        dests[0] = 900001;
        vm.setNonce(DEPLOYER, 0);
        vm.prank(DEPLOYER);
        address[] memory tokens = new address[](1);
        tokens[0] = TOKEN;
        escrow = new IntentEscrow(address(this), 3600, 3600, signerSet, 1, dests, tokens);
    }

    function _actions() internal pure returns (IntentEscrow.Action[] memory a) {
        a = new IntentEscrow.Action[](2);
        a[0] = IntentEscrow.Action(0, INTENT_ID_NONCE_0, bytes32(uint256(uint160(TOKEN))), bytes32(0), 0);
        a[1] = IntentEscrow.Action(
            2, SOURCE_ID, bytes32(uint256(uint160(TOKEN))), bytes32(uint256(uint160(RECIPIENT))), AMOUNT
        );
    }

    function test_Vectors_EscrowAtFixedAddress() public view {
        assertEq(address(escrow), ESCROW, "CREATE address");
        assertEq(block.chainid, CHAIN_ID, "chain id");
    }

    function test_Vectors_IntentId() public view {
        assertEq(escrow.intentIdOf(0), INTENT_ID_NONCE_0, "intent id for nonce 0");
    }

    function test_Vectors_Leaves() public view {
        IntentEscrow.Action[] memory a = _actions();
        assertEq(escrow.leafHash(EPOCH, a[0]), LEAF_RELEASE, "release leaf");
        assertEq(escrow.leafHash(EPOCH, a[1]), LEAF_PAYOUT, "payout leaf");
    }

    function test_Vectors_ChunkHash() public view {
        assertEq(escrow.chunkHash(EPOCH, _actions()), CHUNK_HASH, "chunk hash");
    }

    function test_Vectors_Eip712() public view {
        assertEq(escrow.LEG_TYPEHASH(), LEG_TYPEHASH, "Leg type hash");
        assertEq(escrow.SIGNER_SET_TYPEHASH(), SIGNER_SET_TYPEHASH, "SignerSet type hash");
        assertEq(escrow.domainSeparator(), DOMAIN_SEPARATOR, "domain separator");
        assertEq(escrow.signerSetVersion(), 1, "version 1");
        assertEq(escrow.legDigest(EPOCH, CHUNK, BATCH_ROOT, _actions()), LEG_DIGEST, "leg digest");
        assertEq(escrow.chunkHash(EPOCH, _releaseOnly()), RELEASE_CHUNK_HASH, "release chunk hash");
        assertEq(escrow.legDigest(EPOCH, 0, BATCH_ROOT, _releaseOnly()), RELEASE_LEG_DIGEST, "release leg digest");
        assertEq(escrow.signerSetDigest(2, _nextSet(), 1, ACTIVATES_AT), SIGNER_SET_DIGEST, "signer-set digest");
    }

    function _releaseOnly() internal pure returns (IntentEscrow.Action[] memory a) {
        a = new IntentEscrow.Action[](1);
        a[0] = IntentEscrow.Action(0, INTENT_ID_NONCE_0, bytes32(uint256(uint160(TOKEN))), bytes32(0), 0);
    }

    function _nextSet() internal pure returns (address[] memory s) {
        s = new address[](2);
        (s[0], s[1]) = (RECIPIENT, SIGNER);
    }

    /// End to end: the cast-made SignerSet signature proposes version 2, which activates at its time.
    function test_Vectors_ProposeSignerSetWithCastSignature() public {
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = SIGNER_SET_SIGNATURE;
        escrow.proposeSignerSet(2, _nextSet(), 1, ACTIVATES_AT, sigs);
        vm.warp(ACTIVATES_AT);
        escrow.activateSignerSet();
        assertEq(escrow.signerSetVersion(), 2, "version 2 current");
        assertTrue(escrow.isSigner(RECIPIENT), "new signer");
    }

    /// End to end: open intent 0, then settle its Release chunk with the signature made by cast.
    function test_Vectors_SettleWithCastSignature() public {
        vm.etch(TOKEN, address(new TestToken("Vector", "VEC", 6)).code);
        TestToken token = TestToken(TOKEN);
        token.mint(address(this), AMOUNT);
        token.approve(address(escrow), AMOUNT);
        IntentEscrow.IntentParams memory p = IntentEscrow.IntentParams(
            TOKEN, AMOUNT, 900001, bytes32(uint256(1)), AMOUNT, bytes32(uint256(2)), uint64(block.timestamp + 1 hours)
        );
        assertEq(escrow.open(p), INTENT_ID_NONCE_0, "opened intent id");

        bytes[] memory sigs = new bytes[](1);
        sigs[0] = RELEASE_SIGNATURE;
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.LegApplied(EPOCH, 0, RELEASE_CHUNK_HASH, BATCH_ROOT, 1);
        escrow.settle(EPOCH, 0, BATCH_ROOT, _releaseOnly(), sigs);
        assertEq(escrow.poolBalance(TOKEN), AMOUNT, "released into the pool");
        assertEq(escrow.intentStatus(INTENT_ID_NONCE_0), 2, "released");
    }
}
