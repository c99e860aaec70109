// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EscrowFixture} from "./base/EscrowFixture.sol";
import {IntentEscrow} from "../src/IntentEscrow.sol";
import {PoisonToken} from "../src/test-tokens/PoisonToken.sol";

/// Issue 9's attacks, written as the attacker plays them. Each one succeeded against protocol v1
/// (these tests failed there) and must fail against v2. They use only the v1 interface (v2-only
/// entry points through low-level calls), so the same file runs against either contract.
contract AttacksTest is EscrowFixture {
    bytes32 internal constant SOURCE = keccak256("X1 paid on the destination");
    bytes32 internal constant SOURCE_2 = keccak256("another intent paid here");
    address internal mallory = address(0xBAD);
    uint256 internal constant OWNER_KEY = 0x0E1; // the attacking owner's own key
    PoisonToken internal poison;

    function setUp() public override {
        super.setUp();
        poison = new PoisonToken();
        // Registered in good faith: it behaved when governance looked at it.
        _registerToken(address(poison));
    }

    // ------------------------------------------------------------ 1. poisoned chunk

    /// The attacker's good intent X1 and a poisoned X2 in one epoch; the refund of X2 must not block
    /// the other actions of its chunk, and X1, once released, can never be refunded too.
    function _poisonedRefund(PoisonToken.Mode mode) internal {
        bytes32 x1 = _open(mallory, 1_000);
        IntentEscrow.IntentParams memory p = _params(address(poison), 500);
        bytes32 x2 = _openWith(mallory, p);
        poison.setMode(mode);
        _fund(5_000);

        _settle(7, 0, _one(_release(x1))); // Release chunk: transfers nothing, cannot be poisoned
        IntentEscrow.Action memory refundX2 = IntentEscrow.Action(1, x2, _b32(address(poison)), bytes32(0), 0);
        _settle(7, 1, _two(refundX2, _payout(SOURCE_2, bob, 700)));

        assertEq(token.balanceOf(bob), 700, "the honest payout in the same chunk went through");
        assertEq(escrow.intentStatus(x2), 3, "X2 counts as refunded");
        vm.warp(block.timestamp + 1 days + GRACE + 1);
        vm.expectRevert(abi.encodeWithSignature("IntentNotOpen(bytes32,uint8)", x1, uint8(2)));
        escrow.refundExpired(x1);
    }

    function test_Attack_PoisonedChunk_RevertingTokenRefund_DoesNotBlockChunk() public {
        _poisonedRefund(PoisonToken.Mode.Revert);
    }

    function test_Attack_PoisonedChunk_FalseReturningTokenRefund_DoesNotBlockChunk() public {
        _poisonedRefund(PoisonToken.Mode.ReturnFalse);
    }

    /// USDC-like blacklist: the depositor gets itself blocked after opening.
    function test_Attack_PoisonedChunk_BlockedDepositorRefund_DoesNotBlockChunk() public {
        bytes32 x1 = _open(mallory, 1_000);
        bytes32 x2 = _open(mallory, 500);
        token.setBlocked(mallory, true);
        _fund(5_000);
        _settle(7, 0, _one(_release(x1)));
        _settle(7, 1, _two(_refund(x2), _payout(SOURCE_2, bob, 700)));
        assertEq(token.balanceOf(bob), 700, "the honest payout went through");
        assertEq(escrow.intentStatus(x2), 3, "X2 counts as refunded");
    }

    /// A blocked recipient of one payout must not block the other payouts of its chunk.
    function test_Attack_PoisonedChunk_BlockedRecipientPayout_DoesNotBlockChunk() public {
        _fund(5_000);
        token.setBlocked(mallory, true);
        _settle(7, 0, _two(_payout(SOURCE, mallory, 300), _payout(SOURCE_2, bob, 700)));
        assertEq(token.balanceOf(bob), 700, "the honest payout went through");
        assertTrue(escrow.isPaid(SOURCE), "the blocked payout counts as paid");
        assertEq(escrow.poolBalance(address(token)), 4_000, "both debited from the pool");
    }

    /// v1's clearing put X1's Release and X2's poisoned Refund in one chunk: that chunk never
    /// applied, the destination paid X1, and X1 was refunded after the grace period. v2 refuses a
    /// chunk that mixes Releases with transfers outright, and the Release chunk then applies alone.
    function test_Attack_PoisonedChunk_MixedReleaseAndRefund_RefusedAndX1NotRefundable() public {
        bytes32 x1 = _open(mallory, 1_000);
        bytes32 x2 = _openWith(mallory, _params(address(poison), 500));
        poison.setMode(PoisonToken.Mode.Revert);
        IntentEscrow.Action[] memory mixed =
            _two(_release(x1), IntentEscrow.Action(1, x2, _b32(address(poison)), bytes32(0), 0));
        bytes32 root = keccak256(abi.encode("root", uint64(7)));
        bytes[] memory sigs = _sigs(7, 0, root, mixed, THRESHOLD);
        vm.expectRevert(abi.encodeWithSignature("MixedChunk()"));
        escrow.settle(7, 0, root, mixed, sigs);

        _settle(7, 1, _one(_release(x1)));
        vm.warp(block.timestamp + 1 days + GRACE + 1);
        vm.expectRevert(abi.encodeWithSignature("IntentNotOpen(bytes32,uint8)", x1, uint8(2)));
        escrow.refundExpired(x1);
    }

    /// The poisoned token can only exist in the escrow if governance registered it.
    function test_Attack_UnregisteredToken_CannotBeOpened() public {
        PoisonToken rogue = new PoisonToken();
        IntentEscrow.IntentParams memory p = _params(address(rogue), 500);
        rogue.mint(mallory, 500);
        vm.startPrank(mallory);
        rogue.approve(address(escrow), 500);
        vm.expectRevert(abi.encodeWithSignature("TokenNotRegistered(address)", address(rogue)));
        escrow.open(p);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ 2. owner drains

    /// The owner tries every path it has to make its own key the signer set, then signs a Release
    /// of a victim's intent and a Withdraw of everything to itself.
    function test_Attack_OwnerRotatesSignersToItself_CannotDrain() public {
        bytes32 victim = _open(alice, 1_000);
        _fund(5_000);
        address ownerKeyAddr = vm.addr(OWNER_KEY);
        address[] memory mine = new address[](1);
        mine[0] = ownerKeyAddr;

        vm.startPrank(owner);
        (bool ok,) = address(escrow).call(abi.encodeWithSignature("setSigners(address[],uint8)", mine, uint8(1)));
        ok; // whether the v1 entry point exists or not, the outcome below is what counts
        bytes[] memory ownSig = new bytes[](1);
        uint64 activatesAt = uint64(block.timestamp + 1 hours);
        ownSig[0] = _sign(OWNER_KEY, keccak256(abi.encode(uint64(2), mine, uint8(1), activatesAt)));
        (ok,) = address(escrow).call(
            abi.encodeWithSignature(
                "proposeSignerSet(uint64,address[],uint8,uint64,bytes[])", uint64(2), mine, uint8(1), activatesAt, ownSig
            )
        );
        vm.stopPrank();
        vm.warp(block.timestamp + 31 days); // past any activation delay a deployment may choose
        (ok,) = address(escrow).call(abi.encodeWithSignature("activateSignerSet()"));

        vm.warp(T0 + 1 hours); // back inside the victim's window
        _ownerSettle(1, _one(_release(victim)));
        _ownerSettle(2, _one(_withdraw(owner, 6_000)));
        assertEq(token.balanceOf(owner), 0, "the owner moved no funds");
        assertEq(escrow.intentStatus(victim), 1, "the victim's intent is still Open");
        vm.warp(T0 + 1 days + GRACE + 1);
        escrow.refundExpired(victim);
        assertEq(token.balanceOf(alice), 1_000, "the victim got the deposit back");
    }

    function _ownerSettle(uint64 epochId, IntentEscrow.Action[] memory actions) internal {
        bytes32 root = keccak256(abi.encode("root", epochId));
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _sign(OWNER_KEY, escrow.legDigest(epochId, 0, root, actions));
        try escrow.settle(epochId, 0, root, actions, sigs) {} catch {}
    }

    // ------------------------------------------------------------ 3. old signature after rotation

    /// Signer 0 alone signed a chunk while the threshold was 2 (not enough). After the set rotates
    /// to the same signers with threshold 1, that old signature must still be refused.
    function test_Attack_OldSignatureAfterThresholdLowered_Refused() public {
        _fund(5_000);
        IntentEscrow.Action[] memory actions = _one(_withdraw(mallory, 5_000));
        bytes32 root = keccak256("root");
        bytes[] memory oldSig = _sigs(5, 0, root, actions, 1);

        _rotate(_ascending(signerAddrs), 1);

        vm.expectRevert();
        escrow.settle(5, 0, root, actions, oldSig);
        assertEq(token.balanceOf(mallory), 0, "nothing paid on the old signature");
    }

    // ------------------------------------------------------------ 4. late Release

    function test_Attack_Release30DaysAfterDeadline_Refused() public {
        bytes32 id = _open(alice, 1_000);
        uint256 until = block.timestamp + 1 days + GRACE;
        vm.warp(block.timestamp + 1 days + 30 days);
        IntentEscrow.Action[] memory actions = _one(_release(id));
        bytes32 root = keccak256(abi.encode("root", uint64(9)));
        bytes[] memory sigs = _sigs(9, 0, root, actions, THRESHOLD);
        vm.expectRevert(abi.encodeWithSignature("ReleaseWindowClosed(bytes32,uint256)", id, until));
        escrow.settle(9, 0, root, actions, sigs);
    }

    /// The windows are disjoint: at deadline + grace a Release still applies and refundExpired
    /// does not; one second later the opposite.
    function test_Attack_ReleaseAndRefundWindows_AreDisjoint() public {
        bytes32 a = _open(alice, 1_000);
        bytes32 b = _open(alice, 1_000);
        uint256 until = block.timestamp + 1 days + GRACE;
        vm.warp(until);
        vm.expectRevert(abi.encodeWithSignature("RefundTooEarly(bytes32,uint256)", a, until + 1));
        escrow.refundExpired(a);
        _settle(3, _one(_release(a)));
        vm.warp(until + 1);
        escrow.refundExpired(b);
        IntentEscrow.Action[] memory late = _one(_release(b));
        bytes32 root = keccak256(abi.encode("root", uint64(4)));
        bytes[] memory sigs = _sigs(4, 0, root, late, THRESHOLD);
        vm.expectRevert();
        escrow.settle(4, 0, root, late, sigs);
    }

    // ------------------------------------------------------------ 5. payout to the escrow itself

    function test_Attack_PayoutToEscrowItself_DoesNotDebitPool() public {
        _fund(5_000);
        _settle(3, _two(_payout(SOURCE, address(escrow), 1_000), _payout(SOURCE_2, bob, 700)));
        assertEq(token.balanceOf(bob), 700, "the other payout went through");
        assertEq(escrow.poolBalance(address(token)), 4_300, "only the real payout left the pool");
        assertEq(token.balanceOf(address(escrow)), 4_300, "pool still equals the balance");
    }

    function test_Attack_WithdrawToEscrowItself_DoesNotDebitPool() public {
        _fund(5_000);
        _settle(3, _one(_withdraw(address(escrow), 2_000)));
        assertEq(escrow.poolBalance(address(token)), 5_000, "the pool is unchanged");
        assertEq(token.balanceOf(address(escrow)), 5_000, "pool still equals the balance");
    }

    // ------------------------------------------------------------ 6. grace bounds, Withdraw chunkings

    function test_Attack_GraceZeroAtDeployment_Refused() public {
        vm.expectRevert();
        _deployEscrow(0);
    }

    function test_Attack_GraceHugeAtDeployment_Refused() public {
        vm.expectRevert();
        _deployEscrow(type(uint64).max);
    }

    /// The same Withdraw leaf signed in two different chunkings of one leg pays once.
    function test_Attack_WithdrawInTwoChunkings_AppliedOnce() public {
        _fund(5_000);
        _settle(6, 0, _two(_withdraw(bob, 100), _withdraw(lp, 200)));
        IntentEscrow.Action[] memory second = _one(_withdraw(lp, 200));
        bytes32 root = keccak256(abi.encode("root", uint64(6)));
        bytes[] memory sigs = _sigs(6, 1, root, second, THRESHOLD);
        try escrow.settle(6, 1, root, second, sigs) {} catch {}
        assertEq(token.balanceOf(lp), 200, "the Withdraw applied once");
        assertEq(escrow.poolBalance(address(token)), 4_700, "pool debited once");
    }
}
