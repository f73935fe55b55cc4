import type { Format } from './payload-cursor.js';
import type { TARGETS } from './protocol.js';

export type { Format };
/** Describe and Close name a prepared statement ('S') or a portal ('P'). */
export type Target = (typeof TARGETS)[number];

/** A typed message from client to server, by its protocol name. */
export type FrontendMessage =
  | { readonly type: 'Query'; readonly sql: string }
  | { readonly type: 'Parse'; readonly name: string; readonly sql: string; readonly parameterTypes: number[] }
  | {
      readonly type: 'Bind';
      readonly portal: string;
      readonly statement: string;
      readonly parameterFormats: Format[];
      readonly parameters: (Buffer | null)[];
      readonly resultFormats: Format[];
    }
  | { readonly type: 'Describe'; readonly target: Target; readonly name: string }
  | { readonly type: 'Execute'; readonly portal: string; readonly maxRows: number }
  | { readonly type: 'Sync' }
  | { readonly type: 'Flush' }
  | { readonly type: 'Close'; readonly target: Target; readonly name: string }
  | { readonly type: 'CopyData'; readonly data: Buffer }
  | { readonly type: 'CopyDone' }
  | { readonly type: 'CopyFail'; readonly message: string }
  | { readonly type: 'Terminate' }
  /** PasswordMessage, SASLInitialResponse, SASLResponse and GSSResponse share 'p': only the exchange tells which. */
  | { readonly type: 'Password'; readonly data: Buffer }
  | {
      readonly type: 'FunctionCall';
      readonly functionOid: number;
      readonly argumentFormats: Format[];
      readonly arguments: (Buffer | null)[];
      readonly resultFormat: Format;
    };

export type FrontendMessageType = FrontendMessage['type'];
export type FrontendMessageOf<T extends FrontendMessageType> = Extract<FrontendMessage, { type: T }>;
