import { DefaultAzureCredential, ManagedIdentityCredential, TokenCredential } from '@azure/identity';

/**
 * The Azure credential for an environment. On App Service (the platform sets IDENTITY_ENDPOINT)
 * the managed identity and nothing else, as Microsoft advises for production: a
 * DefaultAzureCredential would also take AZURE_CLIENT_ID / AZURE_CLIENT_SECRET if someone set them.
 * Elsewhere - an operator's `rewrap-keys` run - the developer chain (the Azure CLI's sign-in).
 */
export function credentialFor(env: NodeJS.ProcessEnv): TokenCredential {
  return env.IDENTITY_ENDPOINT ? new ManagedIdentityCredential() : new DefaultAzureCredential();
}

let shared: TokenCredential | undefined;

/** The process's one credential: one token cache per resource, not one per client. */
export function azureCredential(): TokenCredential {
  shared ??= credentialFor(process.env);
  return shared;
}
