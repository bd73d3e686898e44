// Key Vault (RBAC) holding the key-encryption key and the API's client secret.
// Interface as avm/res/key-vault/vault.
param name string
param location string
param tags object = {}
param tenantId string
@description('The connection API app registration client secret (stored here only; App Service reads it by reference).')
@secure()
param clientSecret string

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

// Passed on the command line (docs/deploy.md), never in the parameters file; a secure parameter is not kept in the deployment history.
var clientSecretName = 'api-client-secret'

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: clientSecretName
  properties: {
    value: clientSecret
    contentType: 'Entra ID client secret of the connection API'
  }
}

output resourceId string = vault.id
output name string = vault.name
output keyName string = kek.name
output keyUriWithVersion string = kek.properties.keyUriWithVersion
output clientSecretName string = secret.name
output clientSecretUri string = '${vault.properties.vaultUri}secrets/${clientSecretName}'
