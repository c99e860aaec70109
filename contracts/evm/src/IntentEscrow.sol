// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title IntentEscrow
/// @notice DiscreteExec escrow, protocol v1 (DESIGN.md "Escrow protocol (v1)" and "Leaves and roots").
/// Users lock intents with `open`; a threshold of registered relayer signers applies each
/// (epoch, chunk) of a settlement leg once with `settle`; anyone can return an expired intent
/// with `refundExpired`, which pausing never blocks.
/// @dev Tokens are credited with what actually arrived (balance delta), so fee-on-transfer tokens
/// keep the accounting exact. Tokens that take more than `amount` from the sender on an outgoing
/// transfer, or that rebase, are not supported.
contract IntentEscrow is EIP712, Ownable2Step, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ---------------------------------------------------------------- interface types

    struct IntentParams {
        address inputToken;
        uint256 inputAmount;
        uint64 destinationChainId;
        bytes32 outputToken;
        uint256 minOutputAmount;
        bytes32 recipient;
        uint64 fillDeadline;
    }

    /// kind: 0 Release, 1 Refund, 2 Payout (intentId = the source intent on its origin chain), 3 Withdraw
    struct Action {
        uint8 kind;
        bytes32 intentId;
        bytes32 token;
        bytes32 account;
        uint256 amount;
    }

    uint8 public constant STATUS_NONE = 0;
    uint8 public constant STATUS_OPEN = 1;
    uint8 public constant STATUS_RELEASED = 2;
    uint8 public constant STATUS_REFUNDED = 3;

    uint8 public constant KIND_RELEASE = 0;
    uint8 public constant KIND_REFUND = 1;
    uint8 public constant KIND_PAYOUT = 2;
    uint8 public constant KIND_WITHDRAW = 3;

    /// @notice EIP-712 type hash of `Leg(uint64 epochId,uint32 chunk,bytes32 chunkHash,bytes32 batchRoot)`.
    bytes32 public constant LEG_TYPEHASH = keccak256("Leg(uint64 epochId,uint32 chunk,bytes32 chunkHash,bytes32 batchRoot)");

    /// @notice Signer indexes are bits of a uint256 (bit 0 unused), so at most 255 signers.
    uint256 public constant MAX_SIGNERS = 255;

    // ---------------------------------------------------------------- events

    event IntentOpened(
        bytes32 indexed intentId,
        address indexed depositor,
        uint64 indexed destinationChainId,
        uint64 nonce,
        address inputToken,
        uint256 inputAmount,
        bytes32 outputToken,
        uint256 minOutputAmount,
        bytes32 recipient,
        uint64 fillDeadline
    );
    event IntentReleased(bytes32 indexed intentId, uint64 indexed epochId);
    event IntentRefunded(bytes32 indexed intentId, uint64 indexed epochId); // epochId 0 for refundExpired
    event PayoutMade(bytes32 indexed sourceIntentId, bytes32 indexed recipient, address token, uint256 amount, uint64 epochId);
    event LegApplied(uint64 indexed epochId, uint32 chunk, bytes32 legHash, bytes32 batchRoot, uint256 actionCount);

    event PoolFunded(address indexed token, address indexed funder, uint256 amount);
    event PoolWithdrawn(address indexed token, address indexed to, uint256 amount, uint64 indexed epochId);
    event SignersUpdated(address[] signers, uint8 threshold);
    event DestinationChainUpdated(uint64 indexed chainId, bool supported);

    // ---------------------------------------------------------------- errors

    error ZeroAmount();
    error ZeroToken();
    error ZeroRecipient();
    error DeadlineInPast(uint64 fillDeadline, uint256 blockTimestamp);
    error UnsupportedDestination(uint64 destinationChainId);
    error NothingReceived(address token);
    error EmptyChunk();
    error ChunkAlreadyApplied(uint64 epochId, uint32 chunk);
    error InsufficientSignatures(uint256 provided, uint256 threshold);
    error InvalidSignatureLength(uint256 index, uint256 length);
    error SignatureHighS(uint256 index);
    error InvalidSignature(uint256 index);
    error UnknownSigner(address signer);
    error DuplicateSigner(address signer);
    error UnknownActionKind(uint8 kind);
    error IntentNotOpen(bytes32 intentId, uint8 status);
    error AlreadyPaid(bytes32 sourceIntentId);
    error InsufficientPool(address token, uint256 available, uint256 requested);
    error InvalidAddress(bytes32 value);
    error RefundTooEarly(bytes32 intentId, uint256 refundableAt);
    error ZeroSigner();
    error DuplicateSignerInSet(address signer);
    error TooManySigners(uint256 count);
    error InvalidThreshold(uint8 threshold, uint256 signerCount);
    error InvalidDestination(uint64 chainId);
    error ChainIdTooLarge(uint256 chainId);

    // ---------------------------------------------------------------- storage

    /// Two slots per intent. Slot A holds everything Release/Refund read and write, so a Release
    /// costs one cold SLOAD and one warm SSTORE. Amounts of 2^88 - 1 or more live in `_largeAmounts`.
    struct Intent {
        address inputToken; // slot A
        uint88 packedAmount; // slot A: the amount, or LARGE_AMOUNT
        uint8 status; // slot A
        address depositor; // slot B
        uint64 fillDeadline; // slot B
    }

    uint88 private constant LARGE_AMOUNT = type(uint88).max;

    /// @notice Seconds after `fillDeadline` from which anyone may call `refundExpired`.
    uint64 public immutable refundGraceSeconds;

    // Packed by the compiler into the slot of Ownable2Step's pending owner and Pausable's flag,
    // which `open` and `settle` read anyway (checked by the storage-layout test).
    uint64 private _nonce;
    uint8 private _threshold;

    mapping(bytes32 intentId => Intent) private _intents;
    mapping(bytes32 intentId => uint256) private _largeAmounts;
    mapping(address token => uint256) private _pool;
    mapping(bytes32 sourceIntentId => bool) private _paid;
    /// bit (epochId & 255) of word (chunk << 56 | epochId >> 8): consecutive epochs share a word,
    /// so a settle usually updates a warm-able non-zero slot (5k gas) instead of a fresh one (22.1k).
    mapping(uint256 word => uint256 bits) private _appliedChunks;
    mapping(uint64 chainId => bool) private _destinations;
    address[] private _signers;
    mapping(address signer => uint256 oneBasedIndex) private _signerIndex;

    // ---------------------------------------------------------------- constructor

    /// @param owner_ admin (signer rotation, destinations, pause); ownership moves by Ownable2Step.
    /// @param refundGraceSeconds_ seconds after an intent's fillDeadline before refundExpired works.
    /// @param signers_ the initial relayer signer set (non-zero, distinct, at most 255).
    /// @param threshold_ signatures required per leg chunk, 1..signers_.length.
    /// @param destinationChainIds_ destination chain ids accepted by `open` from the start.
    constructor(
        address owner_,
        uint64 refundGraceSeconds_,
        address[] memory signers_,
        uint8 threshold_,
        uint64[] memory destinationChainIds_
    ) EIP712("DiscreteExec", "1") Ownable(owner_) {
        // Leaves encode the chain id as uint64 (DESIGN.md); refuse a chain where that truncates.
        if (block.chainid > type(uint64).max) revert ChainIdTooLarge(block.chainid);
        refundGraceSeconds = refundGraceSeconds_;
        _setSigners(signers_, threshold_);
        for (uint256 i = 0; i < destinationChainIds_.length; ++i) {
            _setDestinationChain(destinationChainIds_[i], true);
        }
    }

    // ---------------------------------------------------------------- user entry points

    /// @notice Locks `p.inputAmount` of `p.inputToken` (approve first) as a new Open intent.
    /// @dev The intent's amount is what actually arrived (fee-on-transfer tokens credit less).
    function open(IntentParams calldata p) external nonReentrant whenNotPaused returns (bytes32 intentId) {
        if (p.inputAmount == 0) revert ZeroAmount();
        if (p.inputToken == address(0)) revert ZeroToken();
        if (p.recipient == bytes32(0)) revert ZeroRecipient();
        // forge-lint: disable-next-line(block-timestamp) -- deadlines are seconds-granular by design
        if (p.fillDeadline <= block.timestamp) revert DeadlineInPast(p.fillDeadline, block.timestamp);
        if (!_destinations[p.destinationChainId]) revert UnsupportedDestination(p.destinationChainId);

        uint256 received = _pull(p.inputToken, p.inputAmount);

        uint64 n = _nonce;
        _nonce = n + 1;
        intentId = _intentId(n);

        _record(intentId, p.inputToken, received, p.fillDeadline);

        emit IntentOpened(
            intentId,
            msg.sender,
            p.destinationChainId,
            n,
            p.inputToken,
            received,
            p.outputToken,
            p.minOutputAmount,
            p.recipient,
            p.fillDeadline
        );
    }

    /// @notice Returns an Open intent to its depositor once `fillDeadline + refundGraceSeconds` is
    /// reached. Anyone may call it, also while paused.
    function refundExpired(bytes32 intentId) external nonReentrant {
        Intent storage it = _intents[intentId];
        uint8 status = it.status;
        if (status != STATUS_OPEN) revert IntentNotOpen(intentId, status);
        uint256 refundableAt = uint256(it.fillDeadline) + refundGraceSeconds;
        // forge-lint: disable-next-line(block-timestamp) -- deadlines are seconds-granular by design
        if (block.timestamp < refundableAt) revert RefundTooEarly(intentId, refundableAt);
        it.status = STATUS_REFUNDED;
        IERC20(it.inputToken).safeTransfer(it.depositor, _amountOf(it, intentId));
        emit IntentRefunded(intentId, 0);
    }

    /// @notice Adds pool liquidity; the pool is credited with what actually arrived.
    function fund(address token, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (token == address(0)) revert ZeroToken();
        uint256 received = _pull(token, amount);
        _pool[token] += received;
        emit PoolFunded(token, msg.sender, received);
    }

    // ---------------------------------------------------------------- settlement

    /// @notice Applies one chunk of this chain's leg of an epoch's batch, at most once per (epoch, chunk).
    /// @param signatures 65-byte (r, s, v) EIP-712 signatures over `legDigest(...)`, from at least
    /// `threshold` distinct registered signers, in any order.
    function settle(
        uint64 epochId,
        uint32 chunk,
        bytes32 batchRoot,
        Action[] calldata actions,
        bytes[] calldata signatures
    ) external nonReentrant whenNotPaused {
        if (actions.length == 0) revert EmptyChunk();
        (uint256 word, uint256 bit) = _appliedPosition(epochId, chunk);
        uint256 bits = _appliedChunks[word];
        if (bits & bit != 0) revert ChunkAlreadyApplied(epochId, chunk);

        bytes32 chunkHash_ = _chunkHash(epochId, actions);
        _verifySignatures(_legDigest(epochId, chunk, chunkHash_, batchRoot), signatures);
        _appliedChunks[word] = bits | bit;

        _applyAll(epochId, actions);
        emit LegApplied(epochId, chunk, chunkHash_, batchRoot, actions.length);
    }

    /// @notice The EIP-712 digest the signers sign for this chunk.
    function legDigest(
        uint64 epochId,
        uint32 chunk,
        bytes32 batchRoot,
        Action[] calldata actions
    ) external view returns (bytes32) {
        return _legDigest(epochId, chunk, _chunkHash(epochId, actions), batchRoot);
    }

    /// @notice keccak256 of the chunk's leaves concatenated (DESIGN.md "Leaves and roots").
    function chunkHash(uint64 epochId, Action[] calldata actions) external view returns (bytes32) {
        return _chunkHash(epochId, actions);
    }

    /// @notice leaf(action) for this chain (DESIGN.md "Leaves and roots").
    function leafHash(uint64 epochId, Action calldata action) external view returns (bytes32) {
        return _leaf(epochId, action);
    }

    // ---------------------------------------------------------------- admin

    /// @notice Replaces the signer set and threshold (owner only).
    function setSigners(address[] calldata signers_, uint8 threshold_) external onlyOwner {
        _setSigners(signers_, threshold_);
    }

    /// @notice Allows or forbids a destination chain for new intents (owner only).
    function setDestinationChain(uint64 chainId, bool supported) external onlyOwner {
        _setDestinationChain(chainId, supported);
    }

    /// @notice Blocks `open` and `settle`; `refundExpired` and `fund` keep working (owner only).
    function pause() external onlyOwner {
        _pause();
    }

    function unpause() external onlyOwner {
        _unpause();
    }

    // ---------------------------------------------------------------- views

    /// @return 0 None, 1 Open, 2 Released, 3 Refunded
    function intentStatus(bytes32 intentId) external view returns (uint8) {
        return _intents[intentId].status;
    }

    /// @notice What the escrow stores for an intent (the other params are only in IntentOpened).
    function intentOf(bytes32 intentId)
        external
        view
        returns (address depositor, address inputToken, uint256 inputAmount, uint64 fillDeadline, uint8 status)
    {
        Intent storage it = _intents[intentId];
        return (it.depositor, it.inputToken, _amountOf(it, intentId), it.fillDeadline, it.status);
    }

    function poolBalance(address token) external view returns (uint256) {
        return _pool[token];
    }

    function isApplied(uint64 epochId, uint32 chunk) external view returns (bool) {
        (uint256 word, uint256 bit) = _appliedPosition(epochId, chunk);
        return _appliedChunks[word] & bit != 0;
    }

    function isPaid(bytes32 sourceIntentId) external view returns (bool) {
        return _paid[sourceIntentId];
    }

    /// @notice The next deposit nonce.
    function nonce() external view returns (uint64) {
        return _nonce;
    }

    /// @notice The id the next (or any) deposit nonce gets on this escrow.
    function intentIdOf(uint64 depositNonce) external view returns (bytes32) {
        return _intentId(depositNonce);
    }

    function signers() external view returns (address[] memory) {
        return _signers;
    }

    function threshold() external view returns (uint8) {
        return _threshold;
    }

    function isSigner(address account) external view returns (bool) {
        return _signerIndex[account] != 0;
    }

    function isDestinationSupported(uint64 chainId) external view returns (bool) {
        return _destinations[chainId];
    }

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---------------------------------------------------------------- internals

    /// Applies the actions in order. Consecutive Releases of one token credit the pool once
    /// (Releases make no external call, so nothing can observe the pending credit); the credit is
    /// flushed before any other action, so Payouts and Withdraws see every earlier Release.
    function _applyAll(uint64 epochId, Action[] calldata actions) private {
        address creditToken;
        uint256 credit;
        for (uint256 i = 0; i < actions.length; ++i) {
            Action calldata a = actions[i];
            uint8 kind = a.kind;
            bytes32 id = a.intentId;
            if (kind == KIND_RELEASE) {
                // Token, account and amount of a Release/Refund are signed (in the leaf), but the
                // escrow moves what it stored for the intent.
                (address token, uint256 amount) = _close(id, STATUS_RELEASED);
                if (token != creditToken) {
                    _credit(creditToken, credit);
                    (creditToken, credit) = (token, 0);
                }
                credit += amount;
                emit IntentReleased(id, epochId);
                continue;
            }
            _credit(creditToken, credit);
            (creditToken, credit) = (address(0), 0);
            _applyWithTransfer(epochId, a, kind, id);
        }
        _credit(creditToken, credit);
    }

    /// Refund, Payout and Withdraw: state first, then the token transfer.
    function _applyWithTransfer(uint64 epochId, Action calldata a, uint8 kind, bytes32 id) private {
        if (kind == KIND_REFUND) {
            (address token, uint256 amount) = _close(id, STATUS_REFUNDED);
            IERC20(token).safeTransfer(_intents[id].depositor, amount);
            emit IntentRefunded(id, epochId);
        } else if (kind == KIND_PAYOUT) {
            if (_paid[id]) revert AlreadyPaid(id);
            _paid[id] = true;
            (address token, address to, uint256 amount) = _poolDebit(a);
            IERC20(token).safeTransfer(to, amount);
            emit PayoutMade(id, a.account, token, amount, epochId);
        } else if (kind == KIND_WITHDRAW) {
            (address token, address to, uint256 amount) = _poolDebit(a);
            IERC20(token).safeTransfer(to, amount);
            emit PoolWithdrawn(token, to, amount, epochId);
        } else {
            revert UnknownActionKind(kind);
        }
    }

    function _credit(address token, uint256 amount) private {
        if (amount != 0) _pool[token] += amount;
    }

    /// Moves an Open intent to `newStatus` with one SLOAD and one SSTORE of slot A
    /// (inputToken: bits 0-159, packedAmount: 160-247, status: 248-255; see `Intent`).
    function _close(bytes32 id, uint8 newStatus) private returns (address token, uint256 amount) {
        Intent storage it = _intents[id];
        uint256 slotA;
        assembly ("memory-safe") {
            slotA := sload(it.slot)
        }
        // forge-lint: disable-next-line(unsafe-typecast) -- the top byte of slot A is the status
        uint8 status = uint8(slotA >> 248);
        if (status != STATUS_OPEN) revert IntentNotOpen(id, status);
        uint256 updated = (slotA & type(uint248).max) | (uint256(newStatus) << 248);
        assembly ("memory-safe") {
            sstore(it.slot, updated)
        }
        // forge-lint: disable-next-line(unsafe-typecast) -- the low 160 bits of slot A are the token
        token = address(uint160(slotA));
        amount = (slotA >> 160) & LARGE_AMOUNT;
        if (amount == LARGE_AMOUNT) amount = _largeAmounts[id];
    }

    function _poolDebit(Action calldata a) private returns (address token, address to, uint256 amount) {
        token = _toAddress(a.token);
        to = _toAddress(a.account);
        if (to == address(0)) revert ZeroRecipient();
        amount = a.amount;
        uint256 available = _pool[token];
        if (amount > available) revert InsufficientPool(token, available, amount);
        unchecked {
            _pool[token] = available - amount;
        }
    }

    /// Pulls `amount` from the caller and returns what actually arrived.
    function _pull(address token, uint256 amount) private returns (uint256 received) {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 afterwards = IERC20(token).balanceOf(address(this));
        if (afterwards <= before) revert NothingReceived(token);
        unchecked {
            received = afterwards - before;
        }
    }

    /// Stores a new Open intent, both slots written whole (no read-modify-write per field).
    function _record(bytes32 id, address token, uint256 amount, uint64 fillDeadline) private {
        uint256 packedAmount = amount;
        if (amount >= LARGE_AMOUNT) {
            packedAmount = LARGE_AMOUNT;
            _largeAmounts[id] = amount;
        }
        // Layout as in `Intent`: slot A token | packedAmount << 160 | status << 248,
        // slot B depositor | fillDeadline << 160.
        uint256 slotA = uint256(uint160(token)) | (packedAmount << 160) | (uint256(STATUS_OPEN) << 248);
        uint256 slotB = uint256(uint160(msg.sender)) | (uint256(fillDeadline) << 160);
        Intent storage it = _intents[id];
        assembly ("memory-safe") {
            sstore(it.slot, slotA)
            sstore(add(it.slot, 1), slotB)
        }
    }

    function _amountOf(Intent storage it, bytes32 id) private view returns (uint256) {
        uint88 packed = it.packedAmount;
        return packed == LARGE_AMOUNT ? _largeAmounts[id] : packed;
    }

    function _intentId(uint64 n) private view returns (bytes32) {
        return keccak256(abi.encode(uint256(block.chainid), bytes32(uint256(uint160(address(this)))), uint256(n)));
    }

    function _leaf(uint64 epochId, Action calldata a) private view returns (bytes32 h) {
        uint256 kind = a.kind; // validated by the ABI decoder (reverts above 255)
        uint256 chainId = block.chainid;
        assembly ("memory-safe") {
            // abi.encode(uint64 chainId, uint64 epochId, uint8 kind, bytes32 intentId,
            //            bytes32 token, bytes32 account, uint256 amount), in scratch memory
            let p := mload(0x40)
            mstore(p, chainId)
            mstore(add(p, 0x20), and(epochId, 0xffffffffffffffff))
            mstore(add(p, 0x40), kind)
            calldatacopy(add(p, 0x60), add(a, 0x20), 0x80)
            h := keccak256(p, 0xe0)
        }
    }

    function _chunkHash(uint64 epochId, Action[] calldata actions) private view returns (bytes32) {
        uint256 n = actions.length;
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            leaves[i] = _leaf(epochId, actions[i]);
        }
        bytes32 h;
        assembly ("memory-safe") {
            h := keccak256(add(leaves, 0x20), mul(n, 0x20))
        }
        return h;
    }

    function _legDigest(uint64 epochId, uint32 chunk, bytes32 chunkHash_, bytes32 batchRoot)
        private
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(LEG_TYPEHASH, epochId, chunk, chunkHash_, batchRoot)));
    }

    function _verifySignatures(bytes32 digest, bytes[] calldata signatures) private view {
        uint256 required = _threshold;
        if (signatures.length < required) revert InsufficientSignatures(signatures.length, required);
        uint256 seen;
        for (uint256 i = 0; i < signatures.length; ++i) {
            bytes calldata sig = signatures[i];
            if (sig.length != 65) revert InvalidSignatureLength(i, sig.length);
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, sig);
            if (err == ECDSA.RecoverError.InvalidSignatureS) revert SignatureHighS(i);
            if (err != ECDSA.RecoverError.NoError) revert InvalidSignature(i);
            uint256 index = _signerIndex[signer];
            if (index == 0) revert UnknownSigner(signer);
            // forge-lint: disable-next-line(incorrect-shift) -- a bit mask: 1 shifted by the signer index
            uint256 mask = 1 << index;
            if (seen & mask != 0) revert DuplicateSigner(signer);
            seen |= mask;
        }
    }

    function _appliedPosition(uint64 epochId, uint32 chunk) private pure returns (uint256 word, uint256 bit) {
        word = (uint256(chunk) << 56) | (uint256(epochId) >> 8);
        // forge-lint: disable-next-line(incorrect-shift) -- a bit mask: 1 shifted by the epoch's low byte
        bit = 1 << (epochId & 0xff);
    }

    function _toAddress(bytes32 value) private pure returns (address) {
        if (uint256(value) >> 160 != 0) revert InvalidAddress(value);
        return address(uint160(uint256(value)));
    }

    function _setSigners(address[] memory signers_, uint8 threshold_) private {
        uint256 count = signers_.length;
        if (count > MAX_SIGNERS) revert TooManySigners(count);
        if (threshold_ == 0 || threshold_ > count) revert InvalidThreshold(threshold_, count);
        address[] storage current = _signers;
        for (uint256 i = 0; i < current.length; ++i) {
            delete _signerIndex[current[i]];
        }
        delete _signers;
        for (uint256 i = 0; i < count; ++i) {
            address s = signers_[i];
            if (s == address(0)) revert ZeroSigner();
            if (_signerIndex[s] != 0) revert DuplicateSignerInSet(s);
            _signerIndex[s] = i + 1;
            current.push(s);
        }
        _threshold = threshold_;
        emit SignersUpdated(signers_, threshold_);
    }

    function _setDestinationChain(uint64 chainId, bool supported) private {
        if (chainId == 0) revert InvalidDestination(chainId);
        _destinations[chainId] = supported;
        emit DestinationChainUpdated(chainId, supported);
    }
}
