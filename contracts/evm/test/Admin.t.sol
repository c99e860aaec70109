// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EscrowFixture} from "./base/EscrowFixture.sol";
import {IntentEscrow} from "../src/IntentEscrow.sol";

contract AdminTest is EscrowFixture {
    bytes4 internal constant UNAUTHORIZED = bytes4(keccak256("OwnableUnauthorizedAccount(address)"));

    function test_Constructor_SetsEverything() public view {
        assertEq(escrow.owner(), owner, "owner");
        assertEq(escrow.refundGraceSeconds(), GRACE, "grace");
        assertEq(escrow.threshold(), THRESHOLD, "threshold");
        address[] memory s = escrow.signers();
        assertEq(s.length, 3, "signer count");
        for (uint256 i = 0; i < 3; ++i) {
            assertEq(s[i], signerAddrs[i], "signer");
            assertTrue(escrow.isSigner(signerAddrs[i]), "isSigner");
        }
        assertTrue(escrow.isDestinationSupported(DEST), "destination");
        assertFalse(escrow.isDestinationSupported(1), "other destination");
        assertEq(escrow.nonce(), 0, "nonce");
        assertFalse(escrow.paused(), "not paused");
    }

    function test_Constructor_ZeroOwner_Reverts() public {
        vm.expectRevert(abi.encodeWithSelector(bytes4(keccak256("OwnableInvalidOwner(address)")), address(0)));
        new IntentEscrow(address(0), GRACE, signerAddrs, 2, new uint64[](0));
    }

    function test_Constructor_NoSigners_Reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.InvalidThreshold.selector, uint8(0), uint256(0)));
        new IntentEscrow(owner, GRACE, new address[](0), 0, new uint64[](0));
    }

    function test_StorageLayout_NonceAndThresholdShareTheHotSlot() public {
        _open(alice, 1);
        _open(alice, 1);
        uint256 slot3 = uint256(vm.load(address(escrow), bytes32(uint256(3))));
        assertEq((slot3 >> 168) & type(uint64).max, 2, "nonce at slot 3, byte 21");
        assertEq((slot3 >> 232) & 0xff, THRESHOLD, "threshold at slot 3, byte 29");
    }

    function test_SetSigners_Owner_ReplacesSetAndEmits() public {
        address[] memory next = new address[](2);
        next[0] = address(0xAA);
        next[1] = signerAddrs[2];
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.SignersUpdated(next, 1);
        vm.prank(owner);
        escrow.setSigners(next, 1);
        assertEq(escrow.threshold(), 1, "threshold");
        assertEq(escrow.signers().length, 2, "count");
        assertTrue(escrow.isSigner(address(0xAA)), "added");
        assertTrue(escrow.isSigner(signerAddrs[2]), "kept");
        assertFalse(escrow.isSigner(signerAddrs[0]), "removed 0");
        assertFalse(escrow.isSigner(signerAddrs[1]), "removed 1");
    }

    function test_SetSigners_NotOwner_Reverts() public {
        vm.expectRevert(abi.encodeWithSelector(UNAUTHORIZED, bob));
        vm.prank(bob);
        escrow.setSigners(signerAddrs, 1);
    }

    function test_SetSigners_ThresholdZero_Reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.InvalidThreshold.selector, uint8(0), uint256(3)));
        vm.prank(owner);
        escrow.setSigners(signerAddrs, 0);
    }

    function test_SetSigners_ThresholdAboveCount_Reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.InvalidThreshold.selector, uint8(4), uint256(3)));
        vm.prank(owner);
        escrow.setSigners(signerAddrs, 4);
    }

    function test_SetSigners_ZeroAddress_Reverts() public {
        address[] memory next = new address[](2);
        next[0] = address(0xAA);
        vm.expectRevert(IntentEscrow.ZeroSigner.selector);
        vm.prank(owner);
        escrow.setSigners(next, 1);
    }

    function test_SetSigners_Duplicate_Reverts() public {
        address[] memory next = new address[](3);
        (next[0], next[1], next[2]) = (address(0xAA), address(0xBB), address(0xAA));
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.DuplicateSignerInSet.selector, address(0xAA)));
        vm.prank(owner);
        escrow.setSigners(next, 2);
    }

    function test_SetSigners_TooMany_Reverts() public {
        address[] memory next = new address[](256);
        for (uint256 i = 0; i < next.length; ++i) {
            next[i] = address(uint160(0x1000 + i));
        }
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.TooManySigners.selector, uint256(256)));
        vm.prank(owner);
        escrow.setSigners(next, 1);
    }

    function test_SetSigners_MaxSet_HighestIndexSignerCounts() public {
        address[] memory next = new address[](255);
        for (uint256 i = 0; i < 254; ++i) {
            next[i] = address(uint160(0x1000 + i));
        }
        next[254] = signerAddrs[0]; // index 255, the top bit of the seen-mask
        vm.prank(owner);
        escrow.setSigners(next, 1);
        bytes32 id = _open(alice, 5);
        IntentEscrow.Action[] memory actions = _one(_release(id));
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _sign(signerKeys[0], escrow.legDigest(1, 0, bytes32(0), actions));
        escrow.settle(1, 0, bytes32(0), actions, sigs);
        assertEq(escrow.intentStatus(id), 2, "Released");
    }

    function test_SetDestinationChain_Owner_TogglesAndEmits() public {
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.DestinationChainUpdated(42, true);
        vm.prank(owner);
        escrow.setDestinationChain(42, true);
        assertTrue(escrow.isDestinationSupported(42), "added");
        vm.prank(owner);
        escrow.setDestinationChain(DEST, false);
        assertFalse(escrow.isDestinationSupported(DEST), "removed");
        IntentEscrow.IntentParams memory p = _params(address(token), 1);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.UnsupportedDestination.selector, DEST));
        escrow.open(p);
    }

    function test_SetDestinationChain_Zero_Reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.InvalidDestination.selector, uint64(0)));
        vm.prank(owner);
        escrow.setDestinationChain(0, true);
    }

    function test_SetDestinationChain_NotOwner_Reverts() public {
        vm.expectRevert(abi.encodeWithSelector(UNAUTHORIZED, bob));
        vm.prank(bob);
        escrow.setDestinationChain(42, true);
    }

    function test_Pause_NotOwner_Reverts() public {
        vm.expectRevert(abi.encodeWithSelector(UNAUTHORIZED, bob));
        vm.prank(bob);
        escrow.pause();
    }

    function test_PauseUnpause_Owner_TogglesFlag() public {
        vm.prank(owner);
        escrow.pause();
        assertTrue(escrow.paused(), "paused");
        vm.expectRevert(abi.encodeWithSelector(UNAUTHORIZED, bob));
        vm.prank(bob);
        escrow.unpause();
        vm.prank(owner);
        escrow.unpause();
        assertFalse(escrow.paused(), "unpaused");
    }

    function test_TransferOwnership_TwoStep() public {
        vm.prank(owner);
        escrow.transferOwnership(bob);
        assertEq(escrow.owner(), owner, "not yet");
        vm.prank(bob);
        escrow.acceptOwnership();
        assertEq(escrow.owner(), bob, "accepted");
        vm.prank(bob);
        escrow.pause();
        assertTrue(escrow.paused(), "new owner administers");
    }
}
