// Key Vault (RBAC) holding the key-encryption key and the API's client secret.
// Interface as avm/res/key-vault/vault.
param name string
param location string
param tags object = {}
param tenantId string
@description('The connection API app registration client secret (stored here only; App Service reads it by reference). Empty: the secret in the vault stays as it is.')
@secure()
param clientSecret string = ''
@description('Log Analytics workspace that receives the audit log of the vault (who wrapped, unwrapped or read what, and when).')
param workspaceResourceId string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForTemplateDeployment: false
    enabledForDiskEncryption: false
    publicNetworkAccess: 'Enabled'
  }
}

// RSA, wrap and unwrap only: the private half never leaves the vault (api/src/secrets/kek.ts).
resource kek 'Microsoft.KeyVault/vaults/keys@2023-07-01' = {
  parent: vault
  name: 'lms-kek'
  properties: {
    kty: 'RSA'
    keySize: 3072
    keyOps: [
      'wrapKey'
      'unwrapKey'
    ]
    attributes: {
      enabled: true
      exportable: false
    }
  }
}

// Passed at the first deployment and when it is renewed (docs/deploy.md), never in the parameters
// file; a secure parameter is not kept in the deployment history. A redeploy without it leaves the
// vault's secret alone: writing whatever was passed would bring back an expired one after a renewal.
var clientSecretName = 'api-client-secret'

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(clientSecret)) {
  parent: vault
  name: clientSecretName
  properties: {
    value: clientSecret
    contentType: 'Entra ID client secret of the connection API'
  }
}

// Key Vault's audit log (AuditEvent: every wrap, unwrap and secret read, with the caller) goes to
// the workspace: the data roles above are only as good as the trail of their use.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: vault
  name: 'audit'
  properties: {
    workspaceId: workspaceResourceId
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

output resourceId string = vault.id
output name string = vault.name
output keyName string = kek.name
output keyUriWithVersion string = kek.properties.keyUriWithVersion
output clientSecretName string = clientSecretName
output clientSecretUri string = '${vault.properties.vaultUri}secrets/${clientSecretName}'
