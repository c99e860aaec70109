// LiteSVM error objects -> the JSON shapes a real validator returns
// (e.g. {"InstructionError":[0,{"Custom":22}]}). Name tables follow the
// numeric values of litesvm 1.5.0's fieldless error enums.
import litesvm from "litesvm/dist/internal.js";

const { TransactionErrorInstructionError, TransactionErrorDuplicateInstruction, TransactionErrorInsufficientFundsForRent } = litesvm;

const INSTRUCTION_ERRORS = ["GenericError", "InvalidArgument", "InvalidInstructionData", "InvalidAccountData", "AccountDataTooSmall", "InsufficientFunds", "IncorrectProgramId", "MissingRequiredSignature", "AccountAlreadyInitialized", "UninitializedAccount", "UnbalancedInstruction", "ModifiedProgramId", "ExternalAccountLamportSpend", "ExternalAccountDataModified", "ReadonlyLamportChange", "ReadonlyDataModified", "DuplicateAccountIndex", "ExecutableModified", "RentEpochModified", "NotEnoughAccountKeys", "AccountDataSizeChanged", "AccountNotExecutable", "AccountBorrowFailed", "AccountBorrowOutstanding", "DuplicateAccountOutOfSync", "InvalidError", "ExecutableDataModified", "ExecutableLamportChange", "ExecutableAccountNotRentExempt", "UnsupportedProgramId", "CallDepth", "MissingAccount", "ReentrancyNotAllowed", "MaxSeedLengthExceeded", "InvalidSeeds", "InvalidRealloc", "ComputationalBudgetExceeded", "PrivilegeEscalation", "ProgramEnvironmentSetupFailure", "ProgramFailedToComplete", "ProgramFailedToCompile", "Immutable", "IncorrectAuthority", "AccountNotRentExempt", "InvalidAccountOwner", "ArithmeticOverflow", "UnsupportedSysvar", "IllegalOwner", "MaxAccountsDataAllocationsExceeded", "MaxAccountsExceeded", "MaxInstructionTraceLengthExceeded", "BuiltinProgramsMustConsumeComputeUnits", "BorshIoError"];
const TRANSACTION_ERRORS = ["AccountInUse", "AccountLoadedTwice", "AccountNotFound", "ProgramAccountNotFound", "InsufficientFundsForFee", "InvalidAccountForFee", "AlreadyProcessed", "BlockhashNotFound", "CallChainTooDeep", "MissingSignatureForFee", "InvalidAccountIndex", "SignatureFailure", "InvalidProgramForExecution", "SanitizeFailure", "ClusterMaintenance", "AccountBorrowOutstanding", "WouldExceedMaxBlockCostLimit", "UnsupportedVersion", "InvalidWritableAccount", "WouldExceedMaxAccountCostLimit", "WouldExceedAccountDataBlockLimit", "TooManyAccountLocks", "AddressLookupTableNotFound", "InvalidAddressLookupTableOwner", "InvalidAddressLookupTableData", "InvalidAddressLookupTableIndex", "InvalidRentPayingAccount", "WouldExceedMaxVoteCostLimit", "WouldExceedAccountDataTotalLimit", "MaxLoadedAccountsDataSizeExceeded", "ResanitizationNeeded", "InvalidLoadedAccountsDataSizeLimit", "UnbalancedTransaction", "ProgramCacheHitMaxLimit", "CommitCancelled"];

/** Converts a LiteSVM transaction error to the RPC's JSON error value. */
export function errorJson(err) {
  if (err == null) return null;
  if (typeof err === "number") return TRANSACTION_ERRORS[err] ?? `Unknown(${err})`;
  if (err instanceof TransactionErrorInstructionError) return { InstructionError: [err.index, instructionErrorJson(err.err())] };
  if (err instanceof TransactionErrorDuplicateInstruction) return { DuplicateInstruction: err.index };
  if (err instanceof TransactionErrorInsufficientFundsForRent) return { InsufficientFundsForRent: { account_index: err.accountIndex } };
  return String(err);
}

function instructionErrorJson(e) {
  if (typeof e === "number") return INSTRUCTION_ERRORS[e] ?? `Unknown(${e})`;
  if (e && typeof e.code === "number") return { Custom: e.code };
  if (e && typeof e.msg === "string") return { BorshIoError: e.msg };
  return String(e);
}

/** The "Transaction simulation failed: ..." message a validator uses for -32002. */
export function preflightMessage(errJson) {
  if (errJson && errJson.InstructionError) {
    const [index, inner] = errJson.InstructionError;
    const what = inner && inner.Custom !== undefined ? `custom program error: 0x${inner.Custom.toString(16)}` : String(inner);
    return `Transaction simulation failed: Error processing Instruction ${index}: ${what}`;
  }
  return `Transaction simulation failed: ${typeof errJson === "string" ? errJson : JSON.stringify(errJson)}`;
}
