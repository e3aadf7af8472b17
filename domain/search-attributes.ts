import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// What managers filter on in the Web UI. Identifiers and statuses only: search attributes are
// stored unencrypted, so no household or personal data ever goes here.
export const CampaignId = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);
export const CampaignPhase = defineSearchAttributeKey('CampaignPhase', SearchAttributeType.KEYWORD);
export const CampaignUnit = defineSearchAttributeKey('CampaignUnit', SearchAttributeType.KEYWORD);
export const CampaignStatus = defineSearchAttributeKey('CampaignStatus', SearchAttributeType.KEYWORD);
export const CampaignOrganizer = defineSearchAttributeKey('CampaignOrganizer', SearchAttributeType.KEYWORD);
export const CampaignCutoff = defineSearchAttributeKey('CampaignCutoff', SearchAttributeType.DATETIME);

export const campaignSearchAttributes = [
  CampaignId,
  CampaignPhase,
  CampaignUnit,
  CampaignStatus,
  CampaignOrganizer,
  CampaignCutoff,
] as const;
