// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EscrowFixture} from "./base/EscrowFixture.sol";
import {IntentEscrow} from "../src/IntentEscrow.sol";
import {TestToken} from "../src/test-tokens/TestToken.sol";

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
        new IntentEscrow(address(0), GRACE, SIGNER_SET_DELAY, signerAddrs, 2, new uint64[](0), new address[](0));
    }

    function test_Constructor_NoSigners_Reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.InvalidThreshold.selector, uint8(0), uint256(0)));
        new IntentEscrow(owner, GRACE, SIGNER_SET_DELAY, new address[](0), 0, new uint64[](0), new address[](0));
    }

    function test_Constructor_GraceBounds_InclusiveOneHourToThirtyDays() public {
        _deployEscrow(1 hours);
        _deployEscrow(30 days);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.GraceOutOfBounds.selector, uint64(1 hours - 1)));
        _deployEscrow(1 hours - 1);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.GraceOutOfBounds.selector, uint64(30 days + 1)));
        _deployEscrow(30 days + 1);
    }

    function test_Constructor_SignerSetDelayBounds_InclusiveOneHourToThirtyDays() public {
        uint64[2] memory ok = [uint64(1 hours), 30 days];
        for (uint256 i = 0; i < 2; ++i) {
            new IntentEscrow(owner, GRACE, ok[i], signerAddrs, 2, new uint64[](0), new address[](0));
        }
        uint64[3] memory bad = [uint64(0), 1 hours - 1, 30 days + 1];
        for (uint256 i = 0; i < 3; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IntentEscrow.SignerSetDelayOutOfBounds.selector, bad[i]));
            new IntentEscrow(owner, GRACE, bad[i], signerAddrs, 2, new uint64[](0), new address[](0));
        }
    }

    function test_Constructor_RegistersGivenTokensAndVersionOne() public {
        address[] memory tokens = new address[](1);
        tokens[0] = address(0x7070);
        vm.expectEmit(true, true, true, true);
        emit IntentEscrow.SignerSetActivated(1, signerAddrs, 2);
        IntentEscrow e = new IntentEscrow(owner, GRACE, SIGNER_SET_DELAY, signerAddrs, 2, new uint64[](0), tokens);
        assertTrue(e.isTokenRegistered(address(0x7070)), "token registered");
        assertEq(e.signerSetVersion(), 1, "version 1");
        assertEq(e.signerSetDelaySeconds(), SIGNER_SET_DELAY, "delay");
    }

    function test_SetToken_Owner_RegistersAndEmits_OthersCannot() public {
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.TokenRegistered(address(0x7070), true);
        vm.prank(owner);
        escrow.setToken(address(0x7070), true);
        assertTrue(escrow.isTokenRegistered(address(0x7070)), "registered");
        vm.expectRevert(abi.encodeWithSelector(UNAUTHORIZED, bob));
        vm.prank(bob);
        escrow.setToken(address(0x7071), true);
        vm.expectRevert(IntentEscrow.ZeroToken.selector);
        vm.prank(owner);
        escrow.setToken(address(0), true);
    }

    /// A token keeps its registry index across deregistration, so intents keep pointing at it.
    function test_SetToken_ReregisteredAfterOthers_KeepsIndexAndIntents() public {
        TestToken other = new TestToken("Other", "OTH", 18);
        bytes32 id = _open(alice, 100);
        vm.startPrank(owner);
        escrow.setToken(address(token), false);
        escrow.setToken(address(other), true);
        escrow.setToken(address(token), true);
        vm.stopPrank();
        bytes32 second = _openWith(bob, _params(address(other), 7));
        (, address first,,,) = escrow.intentOf(id);
        (, address secondToken,,,) = escrow.intentOf(second);
        assertEq(first, address(token), "first intent's token");
        assertEq(secondToken, address(other), "second intent's token");
        _settle(1, 0, _two(_release(id), IntentEscrow.Action(0, second, _b32(address(other)), bytes32(0), 0)));
        assertEq(escrow.poolBalance(address(token)), 100, "released into the right pools");
        assertEq(escrow.poolBalance(address(other)), 7, "released into the right pools");
    }

    /// Slot A packs amount, deadline, token index and status; the extremes round-trip.
    function test_Open_ExtremeAmountsAndDeadline_RoundTrip() public {
        uint256[3] memory amounts = [uint256(type(uint152).max) - 1, type(uint152).max, uint256(type(uint152).max) + 1];
        for (uint256 i = 0; i < amounts.length; ++i) {
            IntentEscrow.IntentParams memory p = _params(address(token), amounts[i]);
            p.fillDeadline = type(uint64).max;
            bytes32 id = _openWith(alice, p);
            (address depositor, address inputToken, uint256 amount, uint64 deadline, uint8 status) = escrow.intentOf(id);
            assertEq(depositor, alice, "depositor");
            assertEq(inputToken, address(token), "token");
            assertEq(amount, amounts[i], "amount");
            assertEq(deadline, type(uint64).max, "deadline");
            assertEq(status, 1, "Open");
        }
    }

    function test_SetToken_Deregistered_BlocksOpenAndFundButNotRefund() public {
        bytes32 id = _open(alice, 100);
        vm.prank(owner);
        escrow.setToken(address(token), false);
        IntentEscrow.IntentParams memory p = _params(address(token), 1);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.TokenNotRegistered.selector, address(token)));
        escrow.open(p);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.TokenNotRegistered.selector, address(token)));
        escrow.fund(address(token), 1);
        vm.warp(block.timestamp + 1 days + GRACE + 1);
        escrow.refundExpired(id);
        assertEq(token.balanceOf(alice), 100, "existing intent still refundable");
    }

    function test_StorageLayout_NonceAndThresholdShareTheHotSlot() public {
        _open(alice, 1);
        _open(alice, 1);
        uint256 slot3 = uint256(vm.load(address(escrow), bytes32(uint256(3))));
        assertEq((slot3 >> 168) & type(uint64).max, 2, "nonce at slot 3, byte 21");
        assertEq((slot3 >> 232) & 0xff, THRESHOLD, "threshold at slot 3, byte 29");
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

    // Renouncing would leave the escrow with no owner: signer rotation and pause frozen forever.
    function test_RenounceOwnership_Owner_RevertsAndKeepsOwner() public {
        vm.prank(owner);
        vm.expectRevert(IntentEscrow.RenounceOwnershipDisabled.selector);
        escrow.renounceOwnership();
        assertEq(escrow.owner(), owner, "owner kept");
    }
}
