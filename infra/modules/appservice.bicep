// App Service (Linux, Node 22 LTS) running the artifact of `npm run build:api`.
// Interface as avm/res/web/site (name, location, tags, managedIdentities; outputs resourceId, name, systemAssignedMIPrincipalId).
param name string
param planName string
param location string
param tags object = {}
param skuName string
@minValue(2)
param instanceCount int
param workspaceResourceId string
@description('App settings (no secret values: secrets are Key Vault references).')
param appSettings object
@description('Further settings (docs/api.md, Configuration) as name: string value; wins over defaults, and appSettings wins over it.')
param tuning object = {}
@description('Settings the template only defaults (LOG_LEVEL); tuning wins over them.')
param defaults object = {}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'linux'
  sku: {
    name: skuName
    capacity: instanceCount
  }
  properties: {
    reserved: true
    zoneRedundant: false
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'app,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    keyVaultReferenceIdentity: 'SystemAssigned'
    siteConfig: {
      linuxFxVersion: 'NODE|22-lts'
      appCommandLine: 'node main.js'
      alwaysOn: true
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      healthCheckPath: '/readyz'
      remoteDebuggingEnabled: false
      appSettings: [for setting in items(union(defaults, tuning, appSettings)): {
        name: setting.key
        value: setting.value
      }]
    }
  }
}

// No publishing with user names and passwords: deployments sign in with Entra ID.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

// The API's stdout (pino JSON lines: no tokens, passwords or message bodies; URLs without their
// query) and platform logs and metrics to the workspace behind Application Insights. Not the
// HTTP logs (AppServiceHTTPLogs): they keep each URL's query string, and the OAuth callback's
// carries the authorization code.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: site
  name: 'logs'
  properties: {
    workspaceId: workspaceResourceId
    logs: [
      {
        category: 'AppServiceConsoleLogs'
        enabled: true
      }
      {
        category: 'AppServicePlatformLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output resourceId string = site.id
output name string = site.name
output defaultHostname string = site.properties.defaultHostName
output systemAssignedMIPrincipalId string = site.identity.principalId
