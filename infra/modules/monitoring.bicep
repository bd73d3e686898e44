// Log Analytics and workspace-based Application Insights (local authentication off on both: nothing ingests or queries with a key;
// the API sends no telemetry of its own - App Service diagnostic settings put its console logs in the workspace,
// and the availability test writes its results).
// Interface as avm/res/insights/component.
param name string
param workspaceName string
param location string
param tags object = {}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 90
    // Nothing reads or writes the workspace with its shared keys: diagnostic settings and Application Insights use Entra.
    features: {
      disableLocalAuth: true
    }
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: name
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'Node.JS'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
    IngestionMode: 'LogAnalytics'
  }
}

output resourceId string = insights.id
output name string = insights.name
output connectionString string = insights.properties.ConnectionString
output workspaceResourceId string = workspace.id
