// The alerts of docs/operations.md "Alerts", to one action group that mails the operator: log searches over the
// API's console lines (AppServiceConsoleLogs in the workspace; `level` and `msg` as the API writes them) and
// platform metrics of the site, the availability test, the key vault and the storage account.
param namePrefix string
param location string
param tags object = {}
@description('Who is told (an operator mailbox or distribution list).')
param operatorEmail string
param workspaceId string
param siteId string
param insightsId string
param availabilityTestId string
param vaultId string
param storageId string

resource operators 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${namePrefix}-operators'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'lmsops'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: operatorEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// One line of KQL each (the API's messages: docs/operations.md "Logs"); `threshold`: more than this many in `window`.
var logAlerts = [
  {
    name: 'own-rights-refused'
    displayName: 'The API\'s own rights refused'
    severity: 1
    window: 'PT1H'
    threshold: 0
    query: 'AppServiceConsoleLogs | extend line = parse_json(ResultDescription) | where tostring(line.level) == "error" | where tostring(line.msg) startswith "service credentials refused" or tostring(line.msg) startswith "service key unavailable" or tostring(line.msg) startswith "mailbox check refused"'
  }
  {
    name: 'alert-mail-not-sent'
    displayName: 'Alert mail not sent'
    severity: 2
    window: 'PT1H'
    threshold: 0
    query: 'AppServiceConsoleLogs | extend line = parse_json(ResultDescription) | where tostring(line.msg) startswith "incident notice failed" or tostring(line.msg) startswith "incident notice has no recipients" or tostring(line.msg) endswith "SYSTEM_SENDER is not configured"'
  }
  {
    name: 'outbox-stalled'
    displayName: 'Outbox stalled'
    severity: 2
    window: 'PT15M'
    threshold: 5
    query: 'AppServiceConsoleLogs | extend line = parse_json(ResultDescription) | where tostring(line.msg) startswith "outbox poll failed" or tostring(line.msg) startswith "job failed"'
  }
]

resource logRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for rule in logAlerts: {
  name: '${namePrefix}-${rule.name}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: rule.displayName
    severity: rule.severity
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: rule.window
    criteria: {
      allOf: [
        {
          query: rule.query
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: rule.threshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        operators.id
      ]
    }
  }
}]

// Availability test failing from both its regions (it retries before it reports a failure).
resource notReady 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${namePrefix}-api-not-ready'
  location: 'global'
  tags: tags
  properties: {
    description: 'API not ready: no instance answers /readyz 200 from either region.'
    severity: 1
    enabled: true
    scopes: [
      availabilityTestId
      insightsId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria'
      webTestId: availabilityTestId
      componentId: insightsId
      failedLocationCount: 2
    }
    actions: [
      {
        actionGroupId: operators.id
      }
    ]
  }
}

// Platform metrics: the resource, its metric, and when it alerts (docs/operations.md "Alerts").
var metricAlerts = [
  {
    name: 'errors'
    description: 'Errors: more than 5 answers 5xx in 5 minutes (look for request failed lines).'
    scope: siteId
    namespace: 'Microsoft.Web/sites'
    metric: 'Http5xx'
    aggregation: 'Total'
    operator: 'GreaterThan'
    threshold: 5
    window: 'PT5M'
    dimensions: []
  }
  {
    name: 'health-check'
    description: 'Health check: an instance below 100% healthy for 15 minutes (it is being replaced).'
    scope: siteId
    namespace: 'Microsoft.Web/sites'
    metric: 'HealthCheckStatus'
    aggregation: 'Average'
    operator: 'LessThan'
    threshold: 100
    window: 'PT15M'
    dimensions: []
  }
  {
    name: 'key-vault-refused'
    description: 'Key Vault refused to wrap or unwrap (403): no connection can be opened (docs/operations.md "Key Vault key").'
    scope: vaultId
    namespace: 'Microsoft.KeyVault/vaults'
    metric: 'ServiceApiResult'
    aggregation: 'Count'
    operator: 'GreaterThan'
    threshold: 0
    window: 'PT5M'
    dimensions: [
      {
        name: 'ActivityName'
        operator: 'Include'
        values: [
          'unwrapkey'
          'wrapkey'
        ]
      }
      {
        name: 'StatusCode'
        operator: 'Include'
        values: [
          '403'
        ]
      }
    ]
  }
  {
    name: 'storage-throttling'
    description: 'Storage throttling: requests answered ServerBusy.'
    scope: storageId
    namespace: 'Microsoft.Storage/storageAccounts'
    metric: 'Transactions'
    aggregation: 'Total'
    operator: 'GreaterThan'
    threshold: 0
    window: 'PT15M'
    dimensions: [
      {
        name: 'ResponseType'
        operator: 'Include'
        values: [
          'ServerBusyError'
        ]
      }
    ]
  }
]

resource metricRules 'Microsoft.Insights/metricAlerts@2018-03-01' = [for rule in metricAlerts: {
  name: '${namePrefix}-${rule.name}'
  location: 'global'
  tags: tags
  properties: {
    description: rule.description
    severity: 2
    enabled: true
    scopes: [
      rule.scope
    ]
    evaluationFrequency: 'PT1M'
    windowSize: rule.window
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: rule.metric
          metricNamespace: rule.namespace
          metricName: rule.metric
          timeAggregation: rule.aggregation
          operator: rule.operator
          threshold: rule.threshold
          dimensions: rule.dimensions
        }
      ]
    }
    actions: [
      {
        actionGroupId: operators.id
      }
    ]
  }
}]

output actionGroupId string = operators.id
