/**
 * The settings list's columns as the feature provisions them (sharepoint/assets/elements.xml, same
 * IDs and internal names; tests/package/sppkg.test.ts fails when the two differ). The page adds any
 * of them a list lacks - a list made by an older package or by hand - when an admin opens it.
 */
export interface ISettingsField {
  id: string;
  internalName: string;
  schemaXml: string;
}

export const SETTINGS_FIELDS: ISettingsField[] = [
  { id: '33df4608-d9ed-48c6-bae2-9234b4aeaaa6', internalName: 'LmsEnabled', schemaXml: '<Field ID="{33df4608-d9ed-48c6-bae2-9234b4aeaaa6}" Name="LmsEnabled" StaticName="LmsEnabled" DisplayName="Sending allowed" Type="Boolean" Required="FALSE" Group="LMS Microsoft 365 connection"><Default>0</Default></Field>' },
  { id: 'c6089756-bc79-4b86-962b-04f3f67df1fd', internalName: 'LmsAuthMethod', schemaXml: '<Field ID="{c6089756-bc79-4b86-962b-04f3f67df1fd}" Name="LmsAuthMethod" StaticName="LmsAuthMethod" DisplayName="Authentication method" Type="Choice" Required="FALSE" Format="Dropdown" Group="LMS Microsoft 365 connection"><Default>Modern</Default><CHOICES><CHOICE>Modern</CHOICE><CHOICE>Classic</CHOICE></CHOICES></Field>' },
  { id: '89896a9d-e0e0-4e79-a288-2a3cf096ad0d', internalName: 'LmsTransport', schemaXml: '<Field ID="{89896a9d-e0e0-4e79-a288-2a3cf096ad0d}" Name="LmsTransport" StaticName="LmsTransport" DisplayName="Mail transport" Type="Choice" Required="FALSE" Format="Dropdown" Group="LMS Microsoft 365 connection"><Default>Graph</Default><CHOICES><CHOICE>Graph</CHOICE><CHOICE>SmtpOAuth</CHOICE></CHOICES></Field>' },
  { id: 'a67f532e-539c-4dc5-865c-b105ade00669', internalName: 'LmsAccountEmail', schemaXml: '<Field ID="{a67f532e-539c-4dc5-865c-b105ade00669}" Name="LmsAccountEmail" StaticName="LmsAccountEmail" DisplayName="Connected account" Type="Text" MaxLength="255" Required="FALSE" Group="LMS Microsoft 365 connection" />' },
  { id: 'cf8ed0e1-a872-49df-8be5-4b72f035df96', internalName: 'LmsConnectionStatus', schemaXml: '<Field ID="{cf8ed0e1-a872-49df-8be5-4b72f035df96}" Name="LmsConnectionStatus" StaticName="LmsConnectionStatus" DisplayName="Connection status" Type="Choice" Required="FALSE" Format="Dropdown" Group="LMS Microsoft 365 connection"><Default>NotConnected</Default><CHOICES><CHOICE>NotConnected</CHOICE><CHOICE>Connected</CHOICE><CHOICE>Lost</CHOICE><CHOICE>Error</CHOICE></CHOICES></Field>' },
  { id: '8acca439-028f-48de-94dc-1f6633b8a744', internalName: 'LmsStatusCode', schemaXml: '<Field ID="{8acca439-028f-48de-94dc-1f6633b8a744}" Name="LmsStatusCode" StaticName="LmsStatusCode" DisplayName="Status code" Type="Text" MaxLength="64" Required="FALSE" Group="LMS Microsoft 365 connection" />' },
  { id: 'e4e70cec-159e-47bb-9cf0-76957cab8797', internalName: 'LmsLastCheck', schemaXml: '<Field ID="{e4e70cec-159e-47bb-9cf0-76957cab8797}" Name="LmsLastCheck" StaticName="LmsLastCheck" DisplayName="Last check" Type="DateTime" Format="DateTime" Required="FALSE" Group="LMS Microsoft 365 connection" />' },
  { id: 'e12d1cd9-e91d-4fbb-88c2-6cb22c98635e', internalName: 'LmsAlertRecipients', schemaXml: '<Field ID="{e12d1cd9-e91d-4fbb-88c2-6cb22c98635e}" Name="LmsAlertRecipients" StaticName="LmsAlertRecipients" DisplayName="Alert recipients" Type="Note" NumLines="4" RichText="FALSE" Required="FALSE" Group="LMS Microsoft 365 connection" />' },
  { id: '438fb306-0fd0-46d3-9552-91fe6607cbc4', internalName: 'LmsConnectionId', schemaXml: '<Field ID="{438fb306-0fd0-46d3-9552-91fe6607cbc4}" Name="LmsConnectionId" StaticName="LmsConnectionId" DisplayName="Connection id" Type="Text" MaxLength="128" Required="FALSE" Group="LMS Microsoft 365 connection" />' }
];
