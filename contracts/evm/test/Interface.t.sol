// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "./base/Test.sol";
import {IntentEscrow} from "../src/IntentEscrow.sol";

/// The interface exactly as issue 3 writes it (less `setSigners`, which protocol v2 removed), and the
/// v2 additions as issue 9 and docs/ARCHITECTURE.md name them; every client relies on these selectors and topics.
interface IIntentEscrowSpec {
    struct IntentParams { address inputToken; uint256 inputAmount; uint64 destinationChainId;
                          bytes32 outputToken; uint256 minOutputAmount; bytes32 recipient; uint64 fillDeadline; }
    struct Action { uint8 kind; bytes32 intentId; bytes32 token; bytes32 account; uint256 amount; }
    function open(IntentParams calldata p) external returns (bytes32 intentId);
    function settle(uint64 epochId, uint32 chunk, bytes32 batchRoot, Action[] calldata actions, bytes[] calldata signatures) external;
    function legDigest(uint64 epochId, uint32 chunk, bytes32 batchRoot, Action[] calldata actions) external view returns (bytes32);
    function refundExpired(bytes32 intentId) external;
    function fund(address token, uint256 amount) external;
    function intentStatus(bytes32 intentId) external view returns (uint8);
    function poolBalance(address token) external view returns (uint256);
    function isApplied(uint64 epochId, uint32 chunk) external view returns (bool);
    function isPaid(bytes32 sourceIntentId) external view returns (bool);
    function nonce() external view returns (uint64);
    function setDestinationChain(uint64 chainId, bool supported) external;
    function pause() external; function unpause() external;
    event IntentOpened(bytes32 indexed intentId, address indexed depositor, uint64 indexed destinationChainId, uint64 nonce,
                       address inputToken, uint256 inputAmount, bytes32 outputToken, uint256 minOutputAmount, bytes32 recipient, uint64 fillDeadline);
    event IntentReleased(bytes32 indexed intentId, uint64 indexed epochId);
    event IntentRefunded(bytes32 indexed intentId, uint64 indexed epochId);
    event PayoutMade(bytes32 indexed sourceIntentId, bytes32 indexed recipient, address token, uint256 amount, uint64 epochId);
    event LegApplied(uint64 indexed epochId, uint32 chunk, bytes32 legHash, bytes32 batchRoot, uint256 actionCount);
}

/// Protocol v2 additions (claims, token registry, self-governed signer set).
interface IIntentEscrowV2Spec {
    function claim(address token, address to) external returns (uint256 amount);
    function setToken(address token, bool registered) external;
    function proposeSignerSet(uint64 version, address[] calldata signers, uint8 threshold, uint64 activatesAt, bytes[] calldata signatures) external;
    function activateSignerSet() external;
    function pendingSignerSet() external view returns (uint64 version, address[] memory signers, uint8 threshold, uint64 activatesAt);
    function signerSetVersion() external view returns (uint64);
    event ClaimCreated(address indexed token, address indexed owner, uint256 amount, uint8 kind, bytes32 indexed ref);
    event Claimed(address indexed token, address indexed owner, address to, uint256 amount);
    event SignerSetProposed(uint64 indexed version, address[] signers, uint8 threshold, uint64 activatesAt);
    event SignerSetActivated(uint64 indexed version, address[] signers, uint8 threshold);
}

contract InterfaceTest is Test {
    function test_Interface_V2SelectorsAndTopicsMatchSpec() public pure {
        assertEq(IntentEscrow.claim.selector, IIntentEscrowV2Spec.claim.selector);
        assertEq(IntentEscrow.setToken.selector, IIntentEscrowV2Spec.setToken.selector);
        assertEq(IntentEscrow.proposeSignerSet.selector, IIntentEscrowV2Spec.proposeSignerSet.selector);
        assertEq(IntentEscrow.activateSignerSet.selector, IIntentEscrowV2Spec.activateSignerSet.selector);
        assertEq(IntentEscrow.pendingSignerSet.selector, IIntentEscrowV2Spec.pendingSignerSet.selector);
        assertEq(IntentEscrow.signerSetVersion.selector, IIntentEscrowV2Spec.signerSetVersion.selector);
        assertEq(IntentEscrow.ClaimCreated.selector, IIntentEscrowV2Spec.ClaimCreated.selector);
        assertEq(IntentEscrow.Claimed.selector, IIntentEscrowV2Spec.Claimed.selector);
        assertEq(IntentEscrow.SignerSetProposed.selector, IIntentEscrowV2Spec.SignerSetProposed.selector);
        assertEq(IntentEscrow.SignerSetActivated.selector, IIntentEscrowV2Spec.SignerSetActivated.selector);
    }

    function test_Interface_FunctionSelectorsMatchSpec() public pure {
        assertEq(IntentEscrow.open.selector, IIntentEscrowSpec.open.selector);
        assertEq(IntentEscrow.settle.selector, IIntentEscrowSpec.settle.selector);
        assertEq(IntentEscrow.legDigest.selector, IIntentEscrowSpec.legDigest.selector);
        assertEq(IntentEscrow.refundExpired.selector, IIntentEscrowSpec.refundExpired.selector);
        assertEq(IntentEscrow.fund.selector, IIntentEscrowSpec.fund.selector);
        assertEq(IntentEscrow.intentStatus.selector, IIntentEscrowSpec.intentStatus.selector);
        assertEq(IntentEscrow.poolBalance.selector, IIntentEscrowSpec.poolBalance.selector);
        assertEq(IntentEscrow.isApplied.selector, IIntentEscrowSpec.isApplied.selector);
        assertEq(IntentEscrow.isPaid.selector, IIntentEscrowSpec.isPaid.selector);
        assertEq(IntentEscrow.nonce.selector, IIntentEscrowSpec.nonce.selector);
        assertEq(IntentEscrow.setDestinationChain.selector, IIntentEscrowSpec.setDestinationChain.selector);
        assertEq(IntentEscrow.pause.selector, IIntentEscrowSpec.pause.selector);
        assertEq(IntentEscrow.unpause.selector, IIntentEscrowSpec.unpause.selector);
        // The canonical signatures the C# codec uses.
        assertEq(IntentEscrow.open.selector, bytes4(keccak256("open((address,uint256,uint64,bytes32,uint256,bytes32,uint64))")));
        assertEq(
            IntentEscrow.settle.selector,
            bytes4(keccak256("settle(uint64,uint32,bytes32,(uint8,bytes32,bytes32,bytes32,uint256)[],bytes[])"))
        );
    }

    function test_Interface_EventTopicsMatchSpec() public pure {
        assertEq(IntentEscrow.IntentOpened.selector, IIntentEscrowSpec.IntentOpened.selector);
        assertEq(IntentEscrow.IntentReleased.selector, IIntentEscrowSpec.IntentReleased.selector);
        assertEq(IntentEscrow.IntentRefunded.selector, IIntentEscrowSpec.IntentRefunded.selector);
        assertEq(IntentEscrow.PayoutMade.selector, IIntentEscrowSpec.PayoutMade.selector);
        assertEq(IntentEscrow.LegApplied.selector, IIntentEscrowSpec.LegApplied.selector);
    }

    function test_Interface_StatusAndKindCodes() public {
        address[] memory signerSet = new address[](1);
        signerSet[0] = address(0x51);
        IntentEscrow e =
            new IntentEscrow(address(this), 1 hours, 1 hours, signerSet, 1, new uint64[](0), new address[](0));
        assertEq(e.STATUS_NONE(), 0, "None");
        assertEq(e.STATUS_OPEN(), 1, "Open");
        assertEq(e.STATUS_RELEASED(), 2, "Released");
        assertEq(e.STATUS_REFUNDED(), 3, "Refunded");
        assertEq(e.KIND_RELEASE(), 0, "Release");
        assertEq(e.KIND_REFUND(), 1, "Refund");
        assertEq(e.KIND_PAYOUT(), 2, "Payout");
        assertEq(e.KIND_WITHDRAW(), 3, "Withdraw");
    }
}
