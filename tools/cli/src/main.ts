#!/usr/bin/env node
// The portcullis CLI entry: the only file touching the process. Everything else is run().
import { grpcApprovalsApi, grpcAuditApi, grpcIdentityApi, grpcPolicyApi, httpMcpToolsApi } from './clients.js';
import { run } from './run.js';

const io = {
  out: (text: string) => void process.stdout.write(`${text}\n`),
  err: (text: string) => void process.stderr.write(`${text}\n`),
  now: () => new Date(),
};

// exitCode, not exit(): let stdout drain when piped.
process.exitCode = await run(process.argv.slice(2), process.env, io, { approvals: grpcApprovalsApi, audit: grpcAuditApi, identity: grpcIdentityApi, policy: grpcPolicyApi, mcpTools: httpMcpToolsApi });
