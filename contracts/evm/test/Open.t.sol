// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EscrowFixture} from "./base/EscrowFixture.sol";
import {IntentEscrow} from "../src/IntentEscrow.sol";

contract OpenTest is EscrowFixture {
    function test_Open_Valid_StoresIntentPullsFundsAndEmits() public {
        IntentEscrow.IntentParams memory p = _params(address(token), 2_500_000);
        token.mint(alice, p.inputAmount);
        vm.prank(alice);
        token.approve(address(escrow), p.inputAmount);

        bytes32 expectedId = keccak256(abi.encode(block.chainid, _b32(address(escrow)), uint256(0)));
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.IntentOpened(
            expectedId,
            alice,
            DEST,
            0,
            address(token),
            p.inputAmount,
            p.outputToken,
            p.minOutputAmount,
            p.recipient,
            p.fillDeadline
        );
        vm.prank(alice);
        bytes32 id = escrow.open(p);

        assertEq(id, expectedId, "intent id");
        assertEq(escrow.intentIdOf(0), expectedId, "intentIdOf");
        assertEq(escrow.nonce(), 1, "nonce advanced");
        assertEq(escrow.intentStatus(id), 1, "status Open");
        (address depositor, address inputToken, uint256 amount, uint64 deadline, uint8 status) = escrow.intentOf(id);
        assertEq(depositor, alice, "depositor");
        assertEq(inputToken, address(token), "token");
        assertEq(amount, p.inputAmount, "amount");
        assertEq(deadline, p.fillDeadline, "deadline");
        assertEq(status, 1, "status");
        assertEq(token.balanceOf(address(escrow)), p.inputAmount, "escrow holds the input");
        assertEq(token.balanceOf(alice), 0, "alice paid");
        assertEq(escrow.poolBalance(address(token)), 0, "escrowed funds are not pool");
    }

    function test_Open_Twice_UsesConsecutiveNonces() public {
        bytes32 a = _open(alice, 10);
        bytes32 b = _open(bob, 20);
        assertEq(a, escrow.intentIdOf(0), "first");
        assertEq(b, escrow.intentIdOf(1), "second");
        assertEq(escrow.nonce(), 2, "nonce");
    }

    function test_Open_AmountAtOrAboveUint88_StoredExactly() public {
        uint256 big = uint256(type(uint88).max);
        bytes32 a = _open(alice, big - 1);
        bytes32 b = _open(alice, big);
        bytes32 c = _open(alice, type(uint256).max / 4);
        (,, uint256 amountA,,) = escrow.intentOf(a);
        (,, uint256 amountB,,) = escrow.intentOf(b);
        (,, uint256 amountC,,) = escrow.intentOf(c);
        assertEq(amountA, big - 1, "below the packing limit");
        assertEq(amountB, big, "at the packing limit");
        assertEq(amountC, type(uint256).max / 4, "far above");
    }

    function test_Open_ZeroAmount_Reverts() public {
        IntentEscrow.IntentParams memory p = _params(address(token), 1);
        p.inputAmount = 0;
        vm.expectRevert(IntentEscrow.ZeroAmount.selector);
        escrow.open(p);
    }

    function test_Open_ZeroToken_Reverts() public {
        IntentEscrow.IntentParams memory p = _params(address(0), 1);
        vm.expectRevert(IntentEscrow.ZeroToken.selector);
        escrow.open(p);
    }

    function test_Open_DeadlineInPast_Reverts() public {
        IntentEscrow.IntentParams memory p = _params(address(token), 1);
        p.fillDeadline = uint64(block.timestamp - 1);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.DeadlineInPast.selector, p.fillDeadline, block.timestamp));
        escrow.open(p);
    }

    function test_Open_DeadlineNow_Reverts() public {
        IntentEscrow.IntentParams memory p = _params(address(token), 1);
        p.fillDeadline = uint64(block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.DeadlineInPast.selector, p.fillDeadline, block.timestamp));
        escrow.open(p);
    }

    function test_Open_UnsupportedDestination_Reverts() public {
        IntentEscrow.IntentParams memory p = _params(address(token), 1);
        p.destinationChainId = 12345;
        vm.expectRevert(abi.encodeWithSelector(IntentEscrow.UnsupportedDestination.selector, uint64(12345)));
        escrow.open(p);
    }

    function test_Open_ZeroRecipient_Reverts() public {
        IntentEscrow.IntentParams memory p = _params(address(token), 1);
        p.recipient = bytes32(0);
        vm.expectRevert(IntentEscrow.ZeroRecipient.selector);
        escrow.open(p);
    }

    function test_Open_WithoutAllowance_Reverts() public {
        IntentEscrow.IntentParams memory p = _params(address(token), 5);
        token.mint(alice, 5);
        vm.prank(alice);
        vm.expectRevert(); // the token's own ERC20InsufficientAllowance
        escrow.open(p);
        assertEq(escrow.nonce(), 0, "no nonce consumed");
    }

    function test_Open_WhenPaused_Reverts() public {
        vm.prank(owner);
        escrow.pause();
        IntentEscrow.IntentParams memory p = _params(address(token), 1);
        vm.expectRevert(bytes4(keccak256("EnforcedPause()")));
        escrow.open(p);
    }

    function test_Fund_Valid_CreditsPoolAndEmits() public {
        token.mint(lp, 700);
        vm.startPrank(lp);
        token.approve(address(escrow), 700);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IntentEscrow.PoolFunded(address(token), lp, 700);
        escrow.fund(address(token), 700);
        vm.stopPrank();
        assertEq(escrow.poolBalance(address(token)), 700, "pool");
        assertEq(token.balanceOf(address(escrow)), 700, "balance");
    }

    function test_Fund_ZeroAmount_Reverts() public {
        vm.expectRevert(IntentEscrow.ZeroAmount.selector);
        escrow.fund(address(token), 0);
    }

    function test_Fund_ZeroToken_Reverts() public {
        vm.expectRevert(IntentEscrow.ZeroToken.selector);
        escrow.fund(address(0), 1);
    }

    function test_Fund_WhenPaused_StillWorks() public {
        vm.prank(owner);
        escrow.pause();
        _fund(10);
        assertEq(escrow.poolBalance(address(token)), 10, "pool");
    }
}
