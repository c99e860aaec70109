// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EscrowFixture} from "./base/EscrowFixture.sol";
import {IntentEscrow} from "../src/IntentEscrow.sol";

contract SignaturesTest is EscrowFixture {
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    bytes32 internal constant ROOT = keccak256("batch root");

    IntentEscrow.Action[] internal actions;
    bytes32 internal digest;

    function setUp() public override {
        super.setUp();
        bytes32 id = _open(alice, 1_000);
        actions.push(_release(id));
        digest = escrow.legDigest(1, 0, ROOT, actions);
    }

    function _settleWith(bytes[] memory sigs) internal {
        escrow.settle(1, 0, ROOT, actions, sigs);
    }

    function _keys(uint256 a, uint256 b) internal pure returns (uint256[] memory k) {
        k = new uint256[](2);
        k[0] = a;
        k[1] = b;
    }

    function test_Settle_ThresholdSignaturesAnyOrder_Applies() public {
        _settleWith(_signAll(digest, _keys(signerKeys[2], signerKeys[0])));
        assertTrue(escrow.isApplied(1, 0), "applied");
    }

    function test_Settle_AllSigners_Applies() public {
        uint256[] memory k = new uint256[](3);
        (k[0], k[1], k[2]) = (signerKeys[1], signerKeys[2], signerKeys[0]);
        _settleWith(_signAll(digest, k));
        assertTrue(escrow.isApplied(1, 0), "applied");
    }

    function test_Settle_TooFewSignatures_Reverts() public {
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _sign(signerKeys[0], digest);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.InsufficientSignatures.selector, uint256(1), uint256(2)));
        _settleWith(sigs);
    }

    function test_Settle_NoSignatures_Reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.InsufficientSignatures.selector, uint256(0), uint256(2)));
        _settleWith(new bytes[](0));
    }

    function test_Settle_DuplicateSigner_Reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.DuplicateSigner.selector, signerAddrs[1]));
        _settleWith(_signAll(digest, _keys(signerKeys[1], signerKeys[1])));
    }

    function test_Settle_DuplicateSignerAmongEnough_Reverts() public {
        uint256[] memory k = new uint256[](3);
        (k[0], k[1], k[2]) = (signerKeys[0], signerKeys[1], signerKeys[0]);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.DuplicateSigner.selector, signerAddrs[0]));
        _settleWith(_signAll(digest, k));
    }

    function test_Settle_UnregisteredSigner_Reverts() public {
        uint256 stranger = 0xBAD;
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.UnknownSigner.selector, vm.addr(stranger)));
        _settleWith(_signAll(digest, _keys(signerKeys[0], stranger)));
    }

    function test_Settle_HighSSignature_Reverts() public {
        bytes[] memory sigs = _signAll(digest, _keys(signerKeys[0], signerKeys[1]));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKeys[1], digest);
        // The malleable twin (r, n - s, v ^ 1) recovers the same signer through ecrecover.
        bytes32 highS = bytes32(SECP256K1_N - uint256(s));
        uint8 flipped = v == 27 ? 28 : 27;
        assertEq(ecrecover(digest, flipped, r, highS), signerAddrs[1], "twin is ecrecover-valid");
        sigs[1] = abi.encodePacked(r, highS, flipped);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.SignatureHighS.selector, uint256(1)));
        _settleWith(sigs);
    }

    function test_Settle_SignatureWrongLength_Reverts() public {
        bytes[] memory sigs = _signAll(digest, _keys(signerKeys[0], signerKeys[1]));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKeys[0], digest);
        // ERC-2098 compact (64-byte) form is not accepted.
        sigs[0] = abi.encodePacked(r, bytes32(uint256(s) | (uint256(v - 27) << 255)));
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.InvalidSignatureLength.selector, uint256(0), uint256(64)));
        _settleWith(sigs);
    }

    function test_Settle_GarbageSignature_Reverts() public {
        bytes[] memory sigs = _signAll(digest, _keys(signerKeys[0], signerKeys[1]));
        sigs[0] = abi.encodePacked(bytes32(uint256(1)), bytes32(uint256(2)), uint8(30)); // v not 27/28
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.InvalidSignature.selector, uint256(0)));
        _settleWith(sigs);
    }

    function test_Settle_SignatureForOtherChainId_Reverts() public {
        // Same leg, digest computed under another chain id (the escrow address is the same).
        uint256 realChain = block.chainid;
        vm.chainId(realChain + 1);
        bytes32 otherDigest = escrow.legDigest(1, 0, ROOT, actions);
        vm.chainId(realChain);
        assertTrue(otherDigest != digest, "chain id is in the digest");
        bytes[] memory sigs = _signAll(otherDigest, _keys(signerKeys[0], signerKeys[1]));
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.UnknownSigner.selector, _recover(digest, sigs[0])));
        _settleWith(sigs);
    }

    function test_Settle_SignatureForOtherEscrow_Reverts() public {
        uint64[] memory dests = new uint64[](1);
        dests[0] = DEST;
        IntentEscrow twin =
            new IntentEscrow(owner, GRACE, SIGNER_SET_DELAY, signerAddrs, THRESHOLD, dests, new address[](0));
        bytes32 otherDigest = twin.legDigest(1, 0, ROOT, actions);
        assertTrue(otherDigest != digest, "escrow address is in the digest");
        bytes[] memory sigs = _signAll(otherDigest, _keys(signerKeys[0], signerKeys[1]));
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.UnknownSigner.selector, _recover(digest, sigs[0])));
        _settleWith(sigs);
    }

    function test_Settle_SignatureOverOtherActions_Reverts() public {
        IntentEscrow.Action[] memory tampered = new IntentEscrow.Action[](1);
        tampered[0] = _refund(actions[0].intentId);
        bytes[] memory sigs = _signAll(digest, _keys(signerKeys[0], signerKeys[1]));
        bytes32 tamperedDigest = escrow.legDigest(1, 0, ROOT, tampered);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.UnknownSigner.selector, _recover(tamperedDigest, sigs[0])));
        escrow.settle(1, 0, ROOT, tampered, sigs);
    }

    function test_Settle_SignatureOverOtherChunkOrRoot_Reverts() public {
        bytes[] memory sigs = _signAll(digest, _keys(signerKeys[0], signerKeys[1]));
        bytes32 otherChunk = escrow.legDigest(1, 1, ROOT, actions);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.UnknownSigner.selector, _recover(otherChunk, sigs[0])));
        escrow.settle(1, 1, ROOT, actions, sigs);
        bytes32 otherRoot = escrow.legDigest(1, 0, bytes32(0), actions);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.UnknownSigner.selector, _recover(otherRoot, sigs[0])));
        escrow.settle(1, 0, bytes32(0), actions, sigs);
    }

    function test_Settle_RotatedOutSigner_Reverts() public {
        address[] memory next = new address[](2);
        next[0] = signerAddrs[0];
        next[1] = vm.addr(0x99);
        _rotate(_ascending(next), 2);
        bytes32 current = escrow.legDigest(1, 0, ROOT, actions);
        assertTrue(current != digest, "the version is in the digest");
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.UnknownSigner.selector, signerAddrs[1]));
        _settleWith(_signAll(current, _keys(signerKeys[0], signerKeys[1])));
        _settleWith(_signAll(current, _keys(0x99, signerKeys[0])));
        assertTrue(escrow.isApplied(1, 0), "new set applies");
    }

    /// Signatures of signers kept across a rotation name the old version and are refused.
    function test_Settle_SignatureForPreviousVersion_Reverts() public {
        _rotate(_ascending(signerAddrs), THRESHOLD);
        bytes[] memory sigs = _signAll(digest, _keys(signerKeys[0], signerKeys[1]));
        bytes32 current = escrow.legDigest(1, 0, ROOT, actions);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.UnknownSigner.selector, _recover(current, sigs[0])));
        _settleWith(sigs);
    }

    function _recover(bytes32 h, bytes memory sig) internal pure returns (address) {
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := mload(add(sig, 0x20))
            s := mload(add(sig, 0x40))
            v := byte(0, mload(add(sig, 0x60)))
        }
        return ecrecover(h, v, r, s);
    }
}
