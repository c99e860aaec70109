// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Vm} from "../test/base/Test.sol";
import {IntentEscrow} from "../src/IntentEscrow.sol";
import {PlainToken as TestToken} from "./PlainToken.sol";

/// Gas scenarios run as real transactions against anvil (scripts/gas-report.sh), so the figures
/// are receipts' gasUsed: intrinsic gas, calldata, cold/warm access and refunds exactly as a chain
/// charges them. `prepare` sends the untimed setup; after the chain's clock moves on, `measure`
/// sends exactly the measured transactions, in the order gas-report.sh labels them.
contract GasScenarios {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    uint64 internal constant DEST = 900001;
    uint256 internal constant OPEN_AMOUNT = 2_500_000;
    uint256 internal constant PAYOUT = 1_000_000;
    uint256 internal constant FIRST_RELEASE_NONCE = 1; // nonce 0 is the refundExpired intent
    uint256[3] internal SIZES = [uint256(1), 10, 100];

    function _keys() internal view returns (uint256 admin, uint256 second, uint256 refundee) {
        admin = vm.envUint("GAS_KEY_ADMIN");
        second = vm.envUint("GAS_KEY_USER");
        refundee = vm.envUint("GAS_KEY_REFUNDEE");
    }

    function _signerKey(uint256 i) internal pure returns (uint256) {
        return 0x51 + i;
    }

    /// The admin's first two CREATEs on a fresh anvil: the token, then the escrow.
    function _deployed() internal view returns (TestToken token, IntentEscrow escrow) {
        (uint256 admin,,) = _keys();
        address a = vm.addr(admin);
        token = TestToken(vm.computeCreateAddress(a, 0));
        escrow = IntentEscrow(vm.computeCreateAddress(a, 1));
    }

    function _recipient(string memory group, uint256 i) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encode(group, i)))));
    }

    function prepare() external {
        (uint256 admin, uint256 second, uint256 refundee) = _keys();
        address adminAddr = vm.addr(admin);
        address[] memory signerSet = new address[](3);
        for (uint256 i = 0; i < 3; ++i) {
            signerSet[i] = vm.addr(_signerKey(i));
        }
        uint64[] memory dests = new uint64[](1);
        dests[0] = DEST;

        vm.startBroadcast(admin);
        TestToken token = new TestToken();
        address[] memory tokens = new address[](1);
        tokens[0] = address(token);
        IntentEscrow escrow = new IntentEscrow(adminAddr, 1 hours, 1 hours, signerSet, 2, dests, tokens);
        require(address(escrow) == vm.computeCreateAddress(adminAddr, 1), "unexpected escrow address");
        token.mint(adminAddr, 1e15);
        token.mint(vm.addr(second), 2 * OPEN_AMOUNT);
        token.mint(vm.addr(refundee), OPEN_AMOUNT);
        (bool ok,) = vm.addr(refundee).call{value: 1 ether}("");
        require(ok, "fund refundee");
        (ok,) = vm.addr(second).call{value: 1 ether}("");
        require(ok, "fund user");
        vm.stopBroadcast();

        // nonce 0: a depositor who puts in everything and is refunded after the deadline
        vm.startBroadcast(refundee);
        token.approve(address(escrow), OPEN_AMOUNT);
        escrow.open(_params(token, OPEN_AMOUNT, 60));
        vm.stopBroadcast();

        vm.startBroadcast(admin);
        token.approve(address(escrow), type(uint256).max);
        for (uint256 s = 0; s < SIZES.length; ++s) {
            for (uint256 i = 0; i < SIZES[s]; ++i) {
                escrow.open(_params(token, OPEN_AMOUNT + i, 1 days));
            }
        }
        escrow.fund(address(token), 1e14);
        for (uint256 i = 0; i < 100; ++i) {
            token.mint(_recipient("holder", i), 1); // recipients that already hold the token
        }
        // The previous epoch was settled: the applied-chunks word exists (steady state).
        IntentEscrow.Action[] memory warm = new IntentEscrow.Action[](1);
        warm[0] = IntentEscrow.Action(3, bytes32(0), _b32(address(token)), _b32(adminAddr), 0);
        escrow.settle(1, 0, bytes32(0), warm, _sign(escrow, 1, warm));
        token.approve(address(escrow), OPEN_AMOUNT); // exact approval for the measured open
        vm.stopBroadcast();

        vm.startBroadcast(second);
        token.approve(address(escrow), type(uint256).max);
        vm.stopBroadcast();
    }

    function measure() external {
        (uint256 admin, uint256 second,) = _keys();
        (TestToken token, IntentEscrow escrow) = _deployed();

        vm.startBroadcast(admin);
        escrow.open(_params(token, OPEN_AMOUNT, 1 days)); // 1: open, exact approval
        vm.stopBroadcast();
        vm.startBroadcast(second);
        escrow.open(_params(token, OPEN_AMOUNT, 1 days)); // 2: open, infinite approval
        vm.stopBroadcast();

        vm.startBroadcast(admin);
        escrow.refundExpired(escrow.intentIdOf(0)); // 3: refundExpired
        uint64 epoch = 2;
        for (uint256 s = 0; s < SIZES.length; ++s) {
            // 4, 5, 6: payouts to fresh recipients
            IntentEscrow.Action[] memory payouts = _payouts(token, "fresh", s, SIZES[s]);
            escrow.settle(epoch, 0, bytes32(0), payouts, _sign(escrow, epoch, payouts));
            epoch++;
        }
        uint256 nonce = FIRST_RELEASE_NONCE;
        for (uint256 s = 0; s < SIZES.length; ++s) {
            // 7, 8, 9: releases
            IntentEscrow.Action[] memory releases = new IntentEscrow.Action[](SIZES[s]);
            for (uint256 i = 0; i < SIZES[s]; ++i) {
                releases[i] = IntentEscrow.Action(0, escrow.intentIdOf(uint64(nonce++)), _b32(address(token)), 0, 0);
            }
            escrow.settle(epoch, 0, bytes32(0), releases, _sign(escrow, epoch, releases));
            epoch++;
        }
        // 10: 100 payouts to recipients that already hold the token
        IntentEscrow.Action[] memory toHolders = _payouts(token, "holder", 0, 100);
        escrow.settle(epoch, 0, bytes32(0), toHolders, _sign(escrow, epoch, toHolders));
        vm.stopBroadcast();
    }

    function _payouts(TestToken token, string memory group, uint256 batch, uint256 n)
        internal
        pure
        returns (IntentEscrow.Action[] memory actions)
    {
        actions = new IntentEscrow.Action[](n);
        for (uint256 i = 0; i < n; ++i) {
            bytes32 source = keccak256(abi.encode("source", group, batch, i));
            actions[i] = IntentEscrow.Action(2, source, _b32(address(token)), _b32(_recipient(group, i)), PAYOUT + i);
        }
    }

    function _params(TestToken token, uint256 amount, uint256 deadlineIn)
        internal
        view
        returns (IntentEscrow.IntentParams memory)
    {
        return IntentEscrow.IntentParams({
            inputToken: address(token),
            inputAmount: amount,
            destinationChainId: DEST,
            outputToken: bytes32(uint256(0xdead)),
            minOutputAmount: amount - amount / 100,
            recipient: bytes32(uint256(0xbeef)),
            fillDeadline: uint64(block.timestamp + deadlineIn)
        });
    }

    /// 2-of-3, as in the tests.
    function _sign(IntentEscrow escrow, uint64 epoch, IntentEscrow.Action[] memory actions)
        internal
        view
        returns (bytes[] memory sigs)
    {
        bytes32 digest = escrow.legDigest(epoch, 0, bytes32(0), actions);
        sigs = new bytes[](2);
        for (uint256 i = 0; i < 2; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(_signerKey(i), digest);
            sigs[i] = abi.encodePacked(r, s, v);
        }
    }

    function _b32(address a) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(a)));
    }
}
