import { setTimeout as sleep } from 'node:timers/promises';
import { inputRequired, inputResponse, type CallToolResult, type McpServer, type RegisteredTool, type ServerContext } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { CUSTOMERS, customerLine, findCustomer } from './customers.js';
import { LOGO_CREDITS, LOGO_PNG_BASE64 } from './logo.js';
import { ECHO_DESCRIPTIONS, type Variant } from './variant.js';

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

const CustomerSchema = z.object({ id: z.string(), name: z.string(), email: z.string(), card: z.string() });
const ConfirmSchema = z.object({ confirm: z.boolean().describe('Go ahead?') });

/**
 * Registers the demo tools and returns `echo`, the one whose description the variant decides.
 * Every handler is written once for both protocol revisions: the SDK turns `inputRequired` into a
 * real elicitation request on a 2025-11-25 session and into an `input_required` result on 2026-07-28.
 */
export function registerDemoTools(server: McpServer, variant: Variant): RegisteredTool {
  const echo = server.registerTool(
    'echo',
    { description: ECHO_DESCRIPTIONS[variant], inputSchema: z.object({ text: z.string() }), annotations: { readOnlyHint: true } },
    ({ text: value }) => text(value),
  );

  server.registerTool(
    'list_customers',
    {
      description: 'List customers with their e-mail address and card number.',
      inputSchema: z.object({ limit: z.number().int().min(1).optional() }),
      outputSchema: z.object({ customers: z.array(CustomerSchema) }),
      annotations: { readOnlyHint: true },
    },
    ({ limit }) => {
      const customers = CUSTOMERS.slice(0, limit ?? CUSTOMERS.length).map((c) => ({ ...c }));
      return { content: [{ type: 'text', text: customers.map(customerLine).join('\n') }], structuredContent: { customers } };
    },
  );

  server.registerTool(
    'issue_refund',
    {
      description: 'Refund an amount to a customer. Moves money.',
      inputSchema: z.object({ customerId: z.string(), amount: z.number().positive() }),
      annotations: { destructiveHint: true, idempotentHint: false },
    },
    ({ customerId, amount }) => {
      const customer = findCustomer(customerId);
      if (!customer) return { ...text(`unknown customer ${customerId}`), isError: true };
      return text(`refunded ${amount.toFixed(2)} to ${customer.id} (${customer.name})`);
    },
  );

  // Never runs anything: if the gateway ever lets a call through, this text proves it did.
  server.registerTool(
    'run_shell',
    { description: 'Run a shell command on the server.', inputSchema: z.object({ command: z.string() }), annotations: { destructiveHint: true, openWorldHint: true } },
    () => text('refused by demo server'),
  );

  server.registerTool(
    'slow_report',
    {
      description: 'Build a report in steps, reporting progress after each; can be cancelled.',
      inputSchema: z.object({ steps: z.number().int().min(1).max(50), delayMs: z.number().int().min(0).max(10_000).default(100) }),
      annotations: { readOnlyHint: true },
    },
    async ({ steps, delayMs }, ctx) => {
      for (let step = 1; step <= steps; step++) {
        // Rejects when the request is cancelled; the SDK then answers nothing, as the spec asks.
        await sleep(delayMs, undefined, { signal: ctx.mcpReq.signal });
        await reportProgress(ctx, step, steps);
      }
      return text(`report ready after ${steps} steps`);
    },
  );

  server.registerTool(
    'confirm_action',
    { description: 'Ask the user to confirm an action (elicitation) and report the answer.', inputSchema: z.object({ action: z.string() }) },
    ({ action }, ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
      if (answer.kind === 'missing') {
        return inputRequired({ inputRequests: { confirm: inputRequired.elicit({ message: `Confirm: ${action}?`, requestedSchema: ConfirmSchema }) } });
      }
      const confirmed = answer.kind === 'elicit' && answer.action === 'accept' && answer.content?.confirm === true;
      return text(`${confirmed ? 'confirmed' : 'declined'}: ${action}`);
    },
  );

  server.registerTool('get_logo', { description: 'The company logo, with its credits.', annotations: { readOnlyHint: true } }, () => ({
    content: [
      { type: 'image', data: LOGO_PNG_BASE64, mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'demo://logo/credits', mimeType: 'text/plain', text: LOGO_CREDITS } },
    ],
  }));

  server.registerTool(
    'notify_me',
    { description: 'Send the message back as a log notification.', inputSchema: z.object({ message: z.string() }), annotations: { readOnlyHint: true } },
    async ({ message }, ctx) => {
      // The SDK applies the client's log level: on 2026-07-28 that means only when the request's
      // _meta carries io.modelcontextprotocol/logLevel.
      await ctx.mcpReq.log('info', message, 'demo-mcp');
      return text('sent');
    },
  );

  return echo;
}

async function reportProgress(ctx: ServerContext, progress: number, total: number): Promise<void> {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  if (progressToken === undefined) return;
  await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress, total, message: `step ${progress} of ${total}` } });
}
