import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError, ResourceTemplate, type McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { CUSTOMERS, customerLine, findCustomer } from './customers.js';

/** `customers://all`, the template `customers://{id}` and the prompt `summarize_customer`. */
export function registerDemoResources(server: McpServer): void {
  server.registerResource('customers', 'customers://all', { description: 'Every customer: name, e-mail and card.', mimeType: 'text/plain' }, (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: CUSTOMERS.map(customerLine).join('\n') }],
  }));

  const template = new ResourceTemplate('customers://{id}', {
    list: () => ({ resources: CUSTOMERS.map((c) => ({ uri: `customers://${c.id}`, name: c.name, mimeType: 'text/plain' })) }),
  });
  server.registerResource('customer', template, { description: 'One customer by id.', mimeType: 'text/plain' }, (uri, { id }) => {
    const customer = typeof id === 'string' ? findCustomer(id) : undefined;
    if (!customer) throw new ResourceNotFoundError(uri.href);
    return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: customerLine(customer) }] };
  });

  server.registerPrompt(
    'summarize_customer',
    { description: 'Ask for a summary of one customer.', argsSchema: z.object({ id: z.string() }) },
    ({ id }) => {
      const customer = findCustomer(id);
      if (!customer) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `unknown customer ${id}`);
      return {
        messages: [
          {
            role: 'user',
            content: { type: 'text', text: `Summarize this customer for the support team: ${customer.name}, e-mail ${customer.email}, card ${customer.card}.` },
          },
        ],
      };
    },
  );
}
