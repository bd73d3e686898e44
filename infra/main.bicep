// The connection API's Azure resources (docs/deploy.md, step 2). Deploy into an empty resource group:
//   az deployment group create -g <group> -f infra/main.bicep -p infra/main.parameters.json -p apiClientSecret="$API_SECRET"
// (the secret at the first deployment and when renewed only: docs/deploy.md, step 2).
// Modules follow the Azure Verified Modules interface (name, location, tags, managedIdentities,
// roleAssignments; outputs resourceId, name, systemAssignedMIPrincipalId) so each can be swapped
// for its br/public:avm/res/... module. tests/deploy/infra.test.ts asserts the security settings.
targetScope = 'resourceGroup'

@description('Short prefix of every resource name (3-11 lowercase letters and digits).')
@minLength(3)
@maxLength(11)
param namePrefix string

@description('Azure region of every resource.')
param location string = resourceGroup().location

@description('Tags on every resource.')
param tags object = {}

@description('Microsoft Entra tenant id of the Microsoft 365 tenant.')
param tenantId string = subscription().tenantId

@description('Application (client) id of the connection API app registration (scripts/m365/register-apps.mjs).')
param apiClientId string

@description('Client secret of the connection API app registration: pass it at the first deployment and when renewing it (docs/deploy.md), never in a file; empty leaves the secret in Key Vault as it is.')
@secure()
param apiClientSecret string = ''

@description('Application ID URI of the connection API (api://...).')
param apiAppIdUri string

@description('The tenant SharePoint origin, e.g. https://contoso.sharepoint.com.')
param sharePointOrigin string

@description('Origins allowed to call the API from a browser (SharePoint, Teams), comma-separated.')
param allowedOrigins string

@description('The system sender mailbox that sends lost-connection alerts and the connected notice to a newly connected account (Exchange RBAC for Applications role Application Mail.Send, scoped to it; never the Entra Mail.Send permission).')
param systemSender string

@description('LMS administrators alerted about every catalog, comma-separated.')
param lmsAdmins string = ''

@description('Client id of the LMS back end app registration (the only application accepted for app-only calls).')
param lmsBackendClientId string

@description('The organisation\'s mail domains, comma-separated: test emails may go only there or to a catalog\'s alert recipients.')
param tenantDomains string

// The template sets the app's settings as a whole: a redeploy replaces them, so every setting an
// operator may change is a parameter here, never a setting made by hand in the portal.
@description('Sites the LMS registers as catalogs, comma-separated site URLs (REGISTERED_CATALOGS); any other site is a catalog where its settings list exists.')
param registeredCatalogs string = ''

@description('During a key rotation only: the previous versioned key ids, comma-separated (KEY_VAULT_PREVIOUS_KEY_IDS, docs/operations.md "Key rotation").')
param keyVaultPreviousKeyIds string = ''

@description('Client apps whose delegated tokens are accepted (ALLOWED_DELEGATED_CLIENTS): SharePoint Online Web Client Extensibility by default.')
param allowedDelegatedClients string = '08e18876-6177-487e-b8b5-cf950c1e598c'

@description('Any other setting of docs/api.md "Configuration" (SEND_*, TEST_EMAILS_PER_DAY, HEALTH_*, OUTBOX_*, ...) as { NAME: \'value\' }, strings; a setting the template sets itself cannot be changed here.')
param tuning object = {}

@description('Where the operations alerts go (docs/operations.md "Alerts"): an operator mailbox or distribution list.')
param operatorEmail string

@description('true allows Classic (password over SMTP basic authentication) connections for the tenant (CLASSIC_ENABLED); off unless chosen - docs/deploy.md says what it costs.')
param classicEnabled bool = false

@description('App Service plan SKU (Premium v3 for always-on and several instances).')
param skuName string = 'P0v3'

@description('Instances of the API; two or more keep it up through a restart or an instance failure.')
@minValue(2)
@maxValue(30)
param instanceCount int = 2

var names = {
  plan: '${namePrefix}-plan'
  site: '${namePrefix}-api'
  storage: take('${namePrefix}st${uniqueString(resourceGroup().id)}', 24)
  vault: take('${namePrefix}-kv-${uniqueString(resourceGroup().id)}', 24)
  workspace: '${namePrefix}-logs'
  insights: '${namePrefix}-appi'
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    name: names.insights
    workspaceName: names.workspace
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: names.vault
    location: location
    tags: tags
    tenantId: tenantId
    clientSecret: apiClientSecret
    workspaceResourceId: monitoring.outputs.workspaceResourceId
  }
}

module site 'modules/appservice.bicep' = {
  name: 'appservice'
  params: {
    name: names.site
    planName: names.plan
    location: location
    tags: tags
    skuName: skuName
    instanceCount: instanceCount
    workspaceResourceId: monitoring.outputs.workspaceResourceId
    tuning: tuning
    appSettings: {
      NODE_ENV: 'production'
      WEBSITE_RUN_FROM_PACKAGE: '1'
      SCM_DO_BUILD_DURING_DEPLOYMENT: 'false'
      API_PUBLIC_URL: 'https://${names.site}.azurewebsites.net'
      TENANT_ID: tenantId
      AUTHORITY_HOST: 'https://login.microsoftonline.com'
      GRAPH_URL: 'https://graph.microsoft.com/v1.0'
      SHAREPOINT_ORIGIN: sharePointOrigin
      CLIENT_ID: apiClientId
      CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=${vault.outputs.clientSecretUri})'
      APP_ID_URI: apiAppIdUri
      ALLOWED_ORIGINS: allowedOrigins
      SMTP_HOST: 'smtp.office365.com'
      SMTP_PORT: '587'
      STORAGE_CONNECTION_STRING: 'TableEndpoint=${storage.outputs.tableEndpoint};QueueEndpoint=${storage.outputs.queueEndpoint}'
      KEY_VAULT_KEY_ID: vault.outputs.keyUriWithVersion
      SYSTEM_SENDER: systemSender
      LMS_ADMINS: lmsAdmins
      ALLOWED_APP_CLIENTS: lmsBackendClientId
      TENANT_DOMAINS: tenantDomains
      REGISTERED_CATALOGS: registeredCatalogs
      KEY_VAULT_PREVIOUS_KEY_IDS: keyVaultPreviousKeyIds
      ALLOWED_DELEGATED_CLIENTS: allowedDelegatedClients
      CLASSIC_ENABLED: classicEnabled ? 'true' : 'false'
    }
    // Defaulted here, but an operator's `tuning` wins.
    defaults: {
      LOG_LEVEL: 'info'
    }
  }
}

module access 'modules/access.bicep' = {
  name: 'access'
  params: {
    principalId: site.outputs.systemAssignedMIPrincipalId
    storageName: storage.outputs.name
    vaultName: vault.outputs.name
    keyName: vault.outputs.keyName
    clientSecretName: vault.outputs.clientSecretName
  }
}

// Application Insights probes /readyz from two regions; its failures are the first alert (docs/operations.md).
// No auto-instrumentation agent in the app: it records request URLs with their query strings.
module availability 'modules/availability.bicep' = {
  name: 'availability'
  params: {
    name: '${names.insights}-readyz'
    location: location
    tags: tags
    insightsName: monitoring.outputs.name
    url: 'https://${site.outputs.defaultHostname}/readyz'
  }
}

// The alerts of docs/operations.md, to the operator.
module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    namePrefix: namePrefix
    location: location
    tags: tags
    operatorEmail: operatorEmail
    workspaceId: monitoring.outputs.workspaceResourceId
    siteId: site.outputs.resourceId
    insightsId: monitoring.outputs.resourceId
    availabilityTestId: availability.outputs.resourceId
    vaultId: vault.outputs.resourceId
    storageId: storage.outputs.resourceId
  }
}

output siteName string = site.outputs.name
output apiUrl string = 'https://${site.outputs.defaultHostname}'
output keyVaultName string = vault.outputs.name
output principalId string = site.outputs.systemAssignedMIPrincipalId
