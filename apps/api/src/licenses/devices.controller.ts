import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthenticatedUser, CurrentUser, Owns } from '../auth/auth.decorators';
import { DevicesService } from './devices.service';
import { DeviceView } from './dtos/license.responses';
import { RegisterDeviceDto } from './dtos/register-device.dto';

@ApiTags('licenses')
@ApiBearerAuth()
@Owns('license', 'id')
@Controller('licenses/:id/devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Post()
  @ApiOperation({ summary: 'Register a device key with your license (the same key again returns the existing device)' })
  @ApiResponse({ status: 201, type: DeviceView, description: 'Registered' })
  @ApiResponse({ status: 200, type: DeviceView, description: 'This key was already registered' })
  @ApiResponse({ status: 400, description: 'Not a valid X25519 public key' })
  @ApiResponse({ status: 403, description: 'Not your license, or the license is revoked' })
  @ApiResponse({ status: 409, description: 'MAX_DEVICES_PER_LICENSE devices already registered' })
  async register(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: RegisterDeviceDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<DeviceView> {
    const { device, created } = await this.devices.register(user.id, id, dto.publicKey, dto.name);
    res.status(created ? 201 : 200);
    return device;
  }

  @Get()
  @ApiOperation({ summary: 'Devices of your license, removed ones included (removedAt set)' })
  @ApiResponse({ status: 200, type: [DeviceView] })
  list(@Param('id', new ParseUUIDPipe()) id: string): Promise<DeviceView[]> {
    return this.devices.list(id);
  }

  @Delete(':deviceId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a device: it gets no more keys and frees a slot' })
  @ApiResponse({ status: 204, description: 'Removed' })
  @ApiResponse({ status: 404, description: 'No such device on this license' })
  async remove(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('deviceId', new ParseUUIDPipe()) deviceId: string,
  ): Promise<void> {
    await this.devices.remove(user.id, user.roles.includes('ADMIN'), id, deviceId);
  }
}
